/**
 * Persisted meter records (storage keys) and their encodings:
 *   `prov` provisioning JSON            `sk`  Ed25519 secret seed, 32 bytes (never leaves storage)
 *   `seq`  sequence ceiling, CBOR uint  `reg` MeterState, CBOR array (below)
 *   `cfg`  the last applied signed config, exactly as received
 *
 * MeterState: [1, sealedSeq, lastHash, importedMWh, exportedMWh, open, folded], where open is
 * null or [start, length, startImportedMWh, startExportedMWh, flags]. Register values above
 * 2^32 are written by the CBOR profile as float64, exact up to 2^53 mWh.
 */
import { decodeCbor, encodeCbor, ZERO_HASH } from '@wattledger/protocol';
import { StorageCorruptError } from './errors.js';
import type { OpenInterval } from './interval-accumulator.js';

export const StorageKey = Object.freeze({ PROVISIONING: 'prov', SECRET_KEY: 'sk', SEQ_CEILING: 'seq', STATE: 'reg', CONFIG: 'cfg' } as const);

export interface MeterState {
  /** Newest sealed sequence number, 0 before the first reading. */
  readonly sealedSeq: number;
  /** readingHash of the newest sealed reading (ZERO_HASH before the first: the chain starts after pairing). */
  readonly lastHash: Uint8Array;
  /** Persistent energy register, mWh. */
  readonly importedMWh: number;
  readonly exportedMWh: number;
  readonly open: OpenInterval | undefined;
  /** Intervals carried into a later reading because the queue was full. */
  readonly folded: number;
}

export const INITIAL_STATE: MeterState = Object.freeze({ sealedSeq: 0, lastHash: ZERO_HASH, importedMWh: 0, exportedMWh: 0, open: undefined, folded: 0 });

export function encodeMeterState(state: MeterState): Uint8Array {
  const o = state.open;
  return encodeCbor([1, state.sealedSeq, state.lastHash, state.importedMWh, state.exportedMWh,
    o === undefined ? null : [o.start, o.length, o.startImportedMWh, o.startExportedMWh, o.flags], state.folded]);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function decodeMeterState(bytes: Uint8Array): MeterState {
  let item: unknown;
  try {
    item = decodeCbor(bytes);
  } catch (cause) {
    throw new StorageCorruptError('meter state record is not CBOR', { cause });
  }
  if (!Array.isArray(item) || item.length !== 7 || item[0] !== 1) throw new StorageCorruptError('meter state record: version 1 array of 7 expected');
  const [, sealedSeq, lastHash, importedMWh, exportedMWh, open, folded] = item as unknown[];
  if (!isCount(sealedSeq) || !isCount(importedMWh) || !isCount(exportedMWh) || !isCount(folded)) throw new StorageCorruptError('meter state record: counters must be non-negative integers');
  if (!(lastHash instanceof Uint8Array) || lastHash.length !== 32) throw new StorageCorruptError('meter state record: 32-byte hash expected');
  let interval: OpenInterval | undefined;
  if (open !== null) {
    if (!Array.isArray(open) || open.length !== 5 || !open.every(isCount)) throw new StorageCorruptError('meter state record: open interval malformed');
    const [start, length, startImportedMWh, startExportedMWh, flags] = open as number[];
    interval = { start: start!, length: length!, startImportedMWh: startImportedMWh!, startExportedMWh: startExportedMWh!, flags: flags! };
  }
  return { sealedSeq, lastHash: lastHash.slice(), importedMWh, exportedMWh, open: interval, folded };
}

export function encodeUint(value: number): Uint8Array {
  return encodeCbor(value);
}

export function decodeUint(bytes: Uint8Array, what: string): number {
  let value: unknown;
  try {
    value = decodeCbor(bytes);
  } catch (cause) {
    throw new StorageCorruptError(`${what} record is not CBOR`, { cause });
  }
  if (!isCount(value)) throw new StorageCorruptError(`${what} record: non-negative integer expected`);
  return value;
}
