/**
 * issue-asset and record-usage: the reading signature is checked against the registry (the
 * meter's own key, or for a gateway-attested meter its attesting gateway's key), then the hash
 * chain and sequence (DESIGN §4). A batch is all or nothing. A producer reading becomes one
 * root asset owned by the meter's intermediary; a consumer reading becomes usage pending for
 * the next close-interval.
 *
 * Plausibility (protocol checkReadingPlausible, the gateway's rule too) quarantines instead of
 * rejecting: an authentic, chained reading that is implausible still advances the meter's
 * chain (its next reading would otherwise be CHAIN_BROKEN forever) but proves no energy; a
 * `quarantined` event says why. Readings flagged TAMPER likewise keep the chain and issue nothing.
 */
import {
  checkReadingPlausible, encodeReading, equalsHex, meterIdFromPublicKey, MeterRole, ReadingFlag, toHex, type IntervalReading, type QuarantineVerdict, type SignedReadings,
} from '@wattledger/protocol';
import type { HandlerInput } from '../context.js';
import { hashes } from '../hashes.js';
import { reject, RejectCode } from '../rejection.js';
import { verifySign1With } from '../signature-check.js';
import { RecordKind } from '../record-codec.js';
import type { LedgerState } from '../state.js';
import { AssetStatus, newAsset, type Meter } from '../types.js';

interface CheckedReading {
  readonly reading: IntervalReading;
  readonly hash: string;
  readonly quarantine: QuarantineVerdict | undefined;
}

/** meterIdFromPublicKey of the protocol, once per registered key. */
const meterIds = new WeakMap<Uint8Array, string>();
function meterIdOfKey(publicKey: Uint8Array): string {
  let id = meterIds.get(publicKey);
  if (id === undefined) meterIds.set(publicKey, (id = meterIdFromPublicKey(publicKey)));
  return id;
}

/**
 * verifySignedReadings of the protocol (the meter id derives from the key, then the signature),
 * or for an attested meter, whose id derives from no key, verifySign1 under the attestor's key
 * (a node's verify pool has checked the signature already, and answers from that).
 */
function verifyReadingSignature(meter: Meter, signed: SignedReadings, input: HandlerInput): void {
  if (meter.attestedBy === undefined && meterIdOfKey(meter.publicKey) !== signed.meterId) reject(RejectCode.BAD_READING, `meter id ${signed.meterId} is not derived from the key it was checked against`);
  if (verifySign1With(input.ctx.verifier, meter.publicKey, signed.sign1)) return;
  if (meter.attestedBy !== undefined) reject(RejectCode.BAD_SIGNATURE, `meter ${meter.id} is gateway-attested: its readings must be signed by gateway ${meter.attestedBy}`);
  const claimsAttested = signed.readings.some((r) => (r.flags & ReadingFlag.GATEWAY_ATTESTED) !== 0);
  reject(RejectCode.BAD_SIGNATURE, claimsAttested
    ? `meter ${meter.id} is not gateway-attested: its readings must be signed by the meter's own registered key`
    : `meter ${meter.id}: the reading signature does not verify under the registered key`);
}

function checkReadings(state: LedgerState, signed: SignedReadings, role: MeterRole, input: HandlerInput): { meter: Meter; checked: CheckedReading[] } {
  const meter = state.meters.get(signed.meterId);
  if (meter === undefined) reject(RejectCode.UNKNOWN_METER, `meter ${signed.meterId} is not registered`);
  if (meter.role !== role) reject(RejectCode.WRONG_ROLE, `meter ${meter.id} is a ${meter.role} meter; ${role === MeterRole.PRODUCER ? 'issue-asset' : 'record-usage'} needs a ${role} meter`);
  if (state.actsFor(input.signer) !== meter.intermediary) reject(RejectCode.UNAUTHORIZED, `only intermediary ${meter.intermediary} or its gateways may submit readings of meter ${meter.id}`);
  verifyReadingSignature(meter, signed, input);
  const limits = { role, productionMethod: meter.productionMethod, ratedPowerW: meter.ratedPowerW, attested: meter.attestedBy !== undefined };
  const intervalS = state.genesis.intervalS;
  let lastSeq = meter.lastSeq;
  let lastHash = meter.lastReadingHash;
  // A lone reading's payload is the 10-item array itself (CBOR 0x8a): hash the received bytes.
  const single = signed.readings.length === 1 && signed.sign1.payload[0] === 0x8a;
  // A loop, not map() with closures: this runs for every reading transaction.
  const checked: CheckedReading[] = [];
  for (const reading of signed.readings) {
    if (reading.intervalLength !== intervalS) reject(RejectCode.INTERVAL_MISMATCH, `${where(meter, reading)}: interval of ${reading.intervalLength} s, the ledger uses ${intervalS} s`);
    if (reading.seq <= lastSeq) reject(RejectCode.REPLAYED_READING, `${where(meter, reading)}: sequence number not above the last accepted (${lastSeq})`);
    if (lastHash !== '' && !equalsHex(reading.prevHash, lastHash)) reject(RejectCode.CHAIN_BROKEN, `${where(meter, reading)}: previous-reading hash does not match the last accepted reading`);
    // readingHash of the protocol: SHA-256 of the reading's payload bytes.
    const hash = toHex(hashes.sha256(single ? signed.sign1.payload : encodeReading(reading)));
    if (state.assets.has(hash)) reject(RejectCode.REPLAYED_READING, `${where(meter, reading)}: reading already issued`);
    lastSeq = reading.seq;
    lastHash = hash;
    checked.push({ reading, hash, quarantine: checkReadingPlausible(reading, limits) });
  }
  return { meter, checked };
}

function where(meter: Meter, reading: IntervalReading): string {
  return `meter ${meter.id} seq ${reading.seq}`;
}

/** True (and the event emitted) if the reading proves no energy. */
function quarantined(meter: Meter, c: CheckedReading, input: HandlerInput): boolean {
  if (c.quarantine === undefined) return false;
  input.events.push({ kind: 'quarantined', intermediary: meter.intermediary, meterId: meter.id, seq: c.reading.seq, intervalStart: c.reading.intervalStart, readingHash: c.hash, reason: c.quarantine.reason });
  return true;
}

function advanceChain(state: LedgerState, meter: Meter, checked: readonly CheckedReading[]): void {
  const last = checked[checked.length - 1]!;
  meter.lastSeq = last.reading.seq;
  meter.lastReadingHash = last.hash;
  state.touch(RecordKind.METER, meter.id, meter);
}

export function issueAsset(state: LedgerState, signed: SignedReadings, input: HandlerInput): void {
  const { meter, checked } = checkReadings(state, signed, MeterRole.PRODUCER, input);
  advanceChain(state, meter, checked);
  for (const c of checked) {
    const { reading, hash } = c;
    if (quarantined(meter, c, input)) continue;
    // A reading flagged as tampered keeps the chain intact but proves no energy.
    if (reading.exportedWh === 0 || (reading.flags & ReadingFlag.TAMPER) !== 0) continue;
    state.putAsset(newAsset({
      id: hash, root: hash, offset: 0, wh: reading.exportedWh, meterId: meter.id, producer: meter.owner, method: meter.productionMethod,
      intervalStart: reading.intervalStart, expiry: reading.intervalStart + state.genesis.assetLifetimeS, sourceTx: input.tx.id,
      issuedHeight: input.ctx.height, owner: meter.intermediary, status: AssetStatus.OPEN, consumer: undefined, usageInterval: undefined,
    }));
  }
}

export function recordUsage(state: LedgerState, signed: SignedReadings, input: HandlerInput): void {
  const { meter, checked } = checkReadings(state, signed, MeterRole.CONSUMER, input);
  advanceChain(state, meter, checked);
  for (const c of checked) {
    const { reading } = c;
    if (quarantined(meter, c, input)) continue;
    if (reading.importedWh === 0) continue;
    const key = `${meter.intermediary}|${reading.intervalStart}|${meter.owner}`;
    const pending = state.usageOf(meter.intermediary, key);
    if (pending !== undefined) {
      pending.wh += reading.importedWh;
      state.touch(RecordKind.USAGE, key, pending);
    } else {
      state.putUsage({ key, intermediary: meter.intermediary, consumer: meter.owner, intervalStart: reading.intervalStart, wh: reading.importedWh });
    }
  }
}
