/**
 * Access control for meters on the embedded broker (DESIGN §4, §6): a meter, authenticated as
 * its id, may publish only its own readings and status, and subscribe only to its own ack and
 * config topics. Wildcard filters are refused outright, so a meter can never read another's.
 */
import { parseMeterTopic, MeterChannel, ProtocolError } from '@wattledger/protocol';

const PUBLISH_CHANNELS: ReadonlySet<string> = new Set([MeterChannel.READINGS, MeterChannel.STATUS]);
const SUBSCRIBE_CHANNELS: ReadonlySet<string> = new Set([MeterChannel.ACK, MeterChannel.CONFIG]);

export type AclVerdict = { readonly ok: true } | { readonly ok: false; readonly why: string };

const OK: AclVerdict = Object.freeze({ ok: true });

function check(meterId: string, topic: string, allowed: ReadonlySet<string>, verb: string): AclVerdict {
  let parsed;
  try {
    parsed = parseMeterTopic(topic);
  } catch (error) {
    if (error instanceof ProtocolError) return { ok: false, why: error.message };
    throw error;
  }
  if (parsed.meterId !== meterId) return { ok: false, why: `meter ${meterId} may not ${verb} topics of meter ${parsed.meterId}` };
  if (!allowed.has(parsed.channel)) return { ok: false, why: `meters may not ${verb} the ${parsed.channel} channel` };
  return OK;
}

export function authorizeMeterPublish(meterId: string, topic: string): AclVerdict {
  return check(meterId, topic, PUBLISH_CHANNELS, 'publish to');
}

export function authorizeMeterSubscribe(meterId: string, filter: string): AclVerdict {
  return check(meterId, filter, SUBSCRIBE_CHANNELS, 'subscribe to');
}
