/**
 * register-party (consortium admin) and register-meter (the meter's intermediary or its gateway).
 * A gateway-attested meter (a legacy meter read over DLMS, which cannot sign) names its
 * attestor instead of a key: a gateway of the same intermediary, or the intermediary itself.
 * Its readings then verify under the attestor's key, copied into the meter record (party keys
 * never change), and the meter id need not derive from any key.
 */
import { MeterRole, PartyRole, type RegisterMeterBody, type RegisterPartyBody } from '@wattledger/protocol';
import type { HandlerInput } from '../context.js';
import { reject, RejectCode } from '../rejection.js';
import type { LedgerState } from '../state.js';

export function registerParty(state: LedgerState, body: RegisterPartyBody, input: HandlerInput): void {
  if (input.signer.role !== PartyRole.ADMIN) reject(RejectCode.UNAUTHORIZED, `register-party must be signed by a consortium admin; ${input.signer.id} is a ${input.signer.role}`);
  if (state.parties.has(body.id)) reject(RejectCode.PARTY_EXISTS, `party ${body.id} is already registered`);
  if (body.intermediary !== undefined) {
    const intermediary = state.parties.get(body.intermediary);
    if (intermediary === undefined) reject(RejectCode.UNKNOWN_PARTY, `intermediary ${body.intermediary} is not registered`);
    if (intermediary.role !== PartyRole.INTERMEDIARY) reject(RejectCode.WRONG_ROLE, `${body.intermediary} is a ${intermediary.role}, not an intermediary`);
  }
  state.putParty({ id: body.id, role: body.role, publicKey: body.publicKey, region: body.region, name: body.name, intermediary: body.intermediary, height: input.ctx.height });
}

export function registerMeter(state: LedgerState, body: RegisterMeterBody, input: HandlerInput): void {
  const intermediary = state.parties.get(body.intermediary);
  if (intermediary === undefined) reject(RejectCode.UNKNOWN_PARTY, `intermediary ${body.intermediary} is not registered`);
  if (intermediary.role !== PartyRole.INTERMEDIARY) reject(RejectCode.WRONG_ROLE, `${body.intermediary} is a ${intermediary.role}, not an intermediary`);
  if (state.actsFor(input.signer) !== body.intermediary) reject(RejectCode.UNAUTHORIZED, `only intermediary ${body.intermediary} or its gateways may register its meters`);
  if (state.meters.has(body.meterId)) reject(RejectCode.METER_EXISTS, `meter ${body.meterId} is already registered`);
  const owner = state.parties.get(body.owner);
  if (owner === undefined) reject(RejectCode.UNKNOWN_PARTY, `meter owner ${body.owner} is not registered`);
  const allowed: readonly string[] = body.role === MeterRole.PRODUCER ? [PartyRole.PROVIDER, PartyRole.INTERMEDIARY] : [PartyRole.CONSUMER];
  if (!allowed.includes(owner.role)) reject(RejectCode.WRONG_ROLE, `a ${body.role} meter is owned by a ${allowed.join(' or ')}, not a ${owner.role}`);
  let publicKey = body.publicKey;
  if (body.attestedBy !== undefined) {
    const attestor = state.parties.get(body.attestedBy);
    if (attestor === undefined) reject(RejectCode.UNKNOWN_PARTY, `attesting gateway ${body.attestedBy} is not registered`);
    if (attestor.role !== PartyRole.GATEWAY && attestor.role !== PartyRole.INTERMEDIARY) reject(RejectCode.WRONG_ROLE, `meter readings are attested by a gateway, not a ${attestor.role} (${attestor.id})`);
    if (state.actsFor(attestor) !== body.intermediary) reject(RejectCode.UNAUTHORIZED, `gateway ${attestor.id} belongs to intermediary ${state.actsFor(attestor)}, not ${body.intermediary}: it cannot attest this meter`);
    publicKey = attestor.publicKey;
  }
  if (publicKey === undefined) reject(RejectCode.BAD_TX, `meter ${body.meterId} needs a public key or an attesting gateway`);
  state.putMeter({
    id: body.meterId, publicKey, role: body.role, owner: body.owner, intermediary: body.intermediary,
    productionMethod: body.productionMethod, ratedPowerW: body.ratedPowerW, lastSeq: -1, lastReadingHash: '',
    ...(body.attestedBy !== undefined ? { attestedBy: body.attestedBy } : {}),
  });
}
