/**
 * The simulated meter's link layers over one byte stream: HDLC (server role of the pure
 * HdlcLink, one association per SNRM) or the IEC 62056-47 wrapper (one association per client
 * wPort). Frames the meter cannot use are dropped, as a meter would.
 */
import { encodeWrapper, HdlcLink, serverAddress, WrapperParser, type HdlcLinkEffect } from '@wattledger/protocol/dlms';
import type { MeterModel } from './meter-model.js';
import { ServerSession } from './server-session.js';

/** The part of a byte transport a server needs. */
export interface ServerStream {
  write(bytes: Uint8Array): void;
  onData(listener: (bytes: Uint8Array) => void): void;
}

export interface ServeOptions {
  readonly logicalDevice?: number;
  readonly physicalDevice?: number;
  /** Called when the client releases the HDLC link (DISC). */
  readonly onDisconnected?: () => void;
}

export interface ServerStats {
  apdus: number;
  defects: number;
}

export function serveHdlc(stream: ServerStream, meter: MeterModel, options: ServeOptions = {}): ServerStats {
  const stats: ServerStats = { apdus: 0, defects: 0 };
  const link = new HdlcLink({ role: 'server', local: serverAddress(options.logicalDevice ?? 1, options.physicalDevice), parameters: meter.options.hdlc });
  let session: ServerSession | undefined;
  const run = (effects: HdlcLinkEffect[]): void => {
    for (const e of effects) {
      if (e.type === 'send') stream.write(e.bytes);
      else if (e.type === 'defect') stats.defects++;
      else if (e.type === 'connected') session = new ServerSession(meter, link.remote?.upper ?? 0);
      else if (e.type === 'disconnected') {
        session = undefined;
        options.onDisconnected?.();
      }
      else if (e.type === 'apdu' && session !== undefined) {
        stats.apdus++;
        const response = session.handle(e.apdu);
        if (response !== undefined) run(link.send(response));
      }
    }
  };
  stream.onData((bytes) => {
    if (!meter.options.silent) run(link.receive(bytes));
  });
  return stats;
}

export function serveWrapper(stream: ServerStream, meter: MeterModel, options: ServeOptions = {}): ServerStats {
  const stats: ServerStats = { apdus: 0, defects: 0 };
  const logical = options.logicalDevice ?? 1;
  const parser = new WrapperParser();
  const sessions = new Map<number, ServerSession>();
  stream.onData((bytes) => {
    if (meter.options.silent) return;
    for (const event of parser.push(bytes)) {
      if (event.type === 'error') {
        stats.defects++;
        parser.reset();
        continue;
      }
      const { source, destination, apdu } = event.message;
      if (destination !== logical) continue;
      stats.apdus++;
      let session = sessions.get(source);
      if (session === undefined) sessions.set(source, (session = new ServerSession(meter, source)));
      const response = session.handle(apdu);
      if (response !== undefined) stream.write(encodeWrapper({ source: logical, destination: source, apdu: response }));
    }
  });
  return stats;
}
