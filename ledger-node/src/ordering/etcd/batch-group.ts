/**
 * One etcd value carries a group of submitted batches (group commit: many submits, many
 * transactions per etcd write). Value: version byte 1, then a batch frame (batch-frame.ts)
 * whose elements are the batch frames of the submits, in submit order.
 *
 * Positions: etcd's revision is the total order. A group written at revision R holds up to
 * GROUP_CAPACITY batches; batch i of it has position R * GROUP_CAPACITY + i, so positions
 * increase strictly with (revision, index) and `revisionOf(position)` recovers R.
 */
import { decodeBatchFrame, encodeBatchFrame, BadBatchFrameError } from '../batch-frame.js';

export const GROUP_CAPACITY = 1000;
const GROUP_VERSION = 1;

export function encodeGroup(batches: readonly (readonly Uint8Array[])[]): Uint8Array {
  if (batches.length === 0 || batches.length > GROUP_CAPACITY) throw new RangeError(`a group holds 1..${GROUP_CAPACITY} batches, got ${batches.length}`);
  const frame = encodeBatchFrame(batches.map((txs) => encodeBatchFrame(txs)));
  const out = new Uint8Array(frame.length + 1);
  out[0] = GROUP_VERSION;
  out.set(frame, 1);
  return out;
}

/** Size of `encodeGroup` output for batches whose own frames have the given sizes. */
export function groupSize(batchFrameSizes: readonly number[]): number {
  let size = 1 + 4;
  for (const s of batchFrameSizes) size += 4 + s;
  return size;
}

/** Size of one batch's frame inside a group. */
export function batchFrameSize(txs: readonly Uint8Array[]): number {
  let size = 4;
  for (const tx of txs) size += 4 + tx.length;
  return size;
}

export function decodeGroup(value: Uint8Array): Uint8Array[][] {
  if (value.length === 0 || value[0] !== GROUP_VERSION) throw new BadBatchFrameError(`batch group version ${value[0] ?? 'missing'}, expected ${GROUP_VERSION}`);
  const batches = decodeBatchFrame(value.subarray(1)).map((frame) => decodeBatchFrame(frame));
  if (batches.length === 0 || batches.length > GROUP_CAPACITY) throw new BadBatchFrameError(`batch group of ${batches.length} batches`);
  return batches;
}

export function positionOf(revision: number, index: number): number {
  if (!Number.isSafeInteger(revision) || revision < 1) throw new RangeError(`revision must be a positive integer, got ${revision}`);
  if (!Number.isInteger(index) || index < 0 || index >= GROUP_CAPACITY) throw new RangeError(`group index must be 0..${GROUP_CAPACITY - 1}, got ${index}`);
  const position = revision * GROUP_CAPACITY + index;
  if (!Number.isSafeInteger(position)) throw new RangeError(`revision ${revision} too large for a position`);
  return position;
}

/** The etcd revision of the group holding `position` (0 for position 0, "before everything"). */
export function revisionOf(position: number): number {
  return Math.floor(position / GROUP_CAPACITY);
}

export function indexOf(position: number): number {
  return position % GROUP_CAPACITY;
}
