/**
 * issue-asset and record-usage: the meter's own signature over its reading(s) is checked
 * against the registry, then the hash chain and sequence (DESIGN §4), then plausibility.
 * A batch is all or nothing. A producer reading becomes one root asset owned by the meter's
 * intermediary; a consumer reading becomes usage pending for the next close-interval.
 */
import { BadSignatureError, encodeReading, equalBytes, fromHex, MeterRole, ProtocolError, ReadingFlag, toHex, verifySignedReadings, type IntervalReading, type SignedReadings } from '@wattledger/protocol';
import type { HandlerInput } from '../context.js';
import { hashes } from '../hashes.js';
import { reject, RejectCode } from '../rejection.js';
import { RecordKind } from '../record-codec.js';
import type { LedgerState } from '../state.js';
import { AssetStatus, newAsset, type Meter } from '../types.js';

interface CheckedReading {
  readonly reading: IntervalReading;
  readonly hash: string;
}

function checkReadings(state: LedgerState, signed: SignedReadings, role: MeterRole, input: HandlerInput): { meter: Meter; checked: CheckedReading[] } {
  const meter = state.meters.get(signed.meterId);
  if (meter === undefined) reject(RejectCode.UNKNOWN_METER, `meter ${signed.meterId} is not registered`);
  if (meter.role !== role) reject(RejectCode.WRONG_ROLE, `meter ${meter.id} is a ${meter.role} meter; ${role === MeterRole.PRODUCER ? 'issue-asset' : 'record-usage'} needs a ${role} meter`);
  if (state.actsFor(input.signer) !== meter.intermediary) reject(RejectCode.UNAUTHORIZED, `only intermediary ${meter.intermediary} or its gateways may submit readings of meter ${meter.id}`);
  try {
    verifySignedReadings(signed, meter.publicKey, input.ctx.verifier);
  } catch (cause) {
    if (cause instanceof BadSignatureError) reject(RejectCode.BAD_SIGNATURE, `meter ${meter.id}: the reading signature does not verify under the registered key`);
    if (cause instanceof ProtocolError) reject(RejectCode.BAD_READING, cause.message);
    throw cause;
  }
  const intervalS = state.genesis.intervalS;
  let lastSeq = meter.lastSeq;
  let lastHash = meter.lastReadingHash;
  // A lone reading's payload is the 10-item array itself (CBOR 0x8a): hash the received bytes.
  const single = signed.readings.length === 1 && signed.sign1.payload[0] === 0x8a;
  const checked = signed.readings.map((reading, i): CheckedReading => {
    const where = `meter ${meter.id} seq ${reading.seq}`;
    if (reading.intervalLength !== intervalS) reject(RejectCode.INTERVAL_MISMATCH, `${where}: interval of ${reading.intervalLength} s, the ledger uses ${intervalS} s`);
    if (reading.seq <= lastSeq) reject(RejectCode.REPLAYED_READING, `${where}: sequence number not above the last accepted (${lastSeq})`);
    if (lastHash !== '' && !equalBytes(reading.prevHash, fromHex(lastHash))) reject(RejectCode.CHAIN_BROKEN, `${where}: previous-reading hash does not match the last accepted reading`);
    if (role === MeterRole.PRODUCER && reading.productionMethod !== meter.productionMethod) reject(RejectCode.METHOD_MISMATCH, `${where}: production method ${reading.productionMethod}, registered ${meter.productionMethod}`);
    const wh = role === MeterRole.PRODUCER ? reading.exportedWh : reading.importedWh;
    const boundWh = Math.floor((meter.ratedPowerW * reading.intervalLength) / 3600);
    if (meter.ratedPowerW > 0 && wh > boundWh) reject(RejectCode.IMPLAUSIBLE_ENERGY, `${where}: ${wh} Wh exceeds rated power x interval (${boundWh} Wh)`);
    // readingHash of the protocol: SHA-256 of the reading's payload bytes.
    const hash = toHex(hashes.sha256(single ? signed.sign1.payload : encodeReading(reading)));
    if (state.assets.has(hash)) reject(RejectCode.REPLAYED_READING, `${where}: reading already issued`);
    lastSeq = reading.seq;
    lastHash = hash;
    return { reading, hash };
  });
  return { meter, checked };
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
  for (const { reading, hash } of checked) {
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
  for (const { reading } of checked) {
    if (reading.importedWh === 0) continue;
    const key = `${meter.intermediary}|${reading.intervalStart}|${meter.owner}`;
    const pending = state.usage.get(key);
    if (pending !== undefined) {
      pending.wh += reading.importedWh;
      state.touch(RecordKind.USAGE, key, pending);
    } else {
      state.putUsage({ key, intermediary: meter.intermediary, consumer: meter.owner, intervalStart: reading.intervalStart, wh: reading.importedWh });
    }
  }
}
