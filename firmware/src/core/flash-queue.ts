/**
 * The flash queue: signed readings not yet acknowledged by the gateway, oldest first, on the
 * storage log (one record per reading). A record also carries the energy register at the
 * reading's close, so that after a power cut the newest record alone restores the meter's
 * state even if the state record written beside it did not survive.
 *
 * Record: u32 seq | f64 importedMWh | f64 exportedMWh (register at close) | COSE_Sign1 bytes
 * (big-endian; the f64 holds integers exactly up to 2^53 mWh).
 *
 * Readings leave the queue only when an ack covers them. Full-queue policy (see meter-core):
 * when `isFull()` the meter seals no new reading; the energy stays in the register and is
 * carried into the first reading sealed once there is room, flagged ESTIMATED. No queued
 * reading is ever dropped to make room.
 */
import type { Storage } from '../hal/storage.js';
import { StorageCorruptError } from './errors.js';

export interface QueuedReading {
  readonly seq: number;
  /** The single signed reading (COSE_Sign1) exactly as signed. */
  readonly signed: Uint8Array;
  readonly endImportedMWh: number;
  readonly endExportedMWh: number;
}

const HEADER = 20;
/** 30 days of 30-min readings is 1440; the default leaves room for 42 days. */
export const DEFAULT_QUEUE_CAPACITY = 2048;

export function encodeQueueRecord(entry: QueuedReading): Uint8Array {
  const out = new Uint8Array(HEADER + entry.signed.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, entry.seq);
  view.setFloat64(4, entry.endImportedMWh);
  view.setFloat64(12, entry.endExportedMWh);
  out.set(entry.signed, HEADER);
  return out;
}

export function decodeQueueRecord(record: Uint8Array, where: number): QueuedReading {
  if (record.length <= HEADER) throw new StorageCorruptError(`flash queue record ${where}: ${record.length} bytes is too short`);
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const endImportedMWh = view.getFloat64(4);
  const endExportedMWh = view.getFloat64(12);
  if (!Number.isSafeInteger(endImportedMWh) || !Number.isSafeInteger(endExportedMWh) || endImportedMWh < 0 || endExportedMWh < 0) {
    throw new StorageCorruptError(`flash queue record ${where}: register values are not non-negative integers`);
  }
  return { seq: view.getUint32(0), signed: record.subarray(HEADER), endImportedMWh, endExportedMWh };
}

export class FlashQueue {
  readonly capacity: number;
  private readonly storage: Storage;
  /** Sequence numbers of the records from storage.logStart() on, ascending. */
  private seqs: number[] = [];

  constructor(storage: Storage, capacity: number = DEFAULT_QUEUE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`FlashQueue: capacity must be a positive integer, got ${capacity}`);
    this.storage = storage;
    this.capacity = capacity;
    for (let i = storage.logStart(); i < storage.logEnd(); i++) {
      const seq = this.decodeAt(i).seq;
      const last = this.seqs[this.seqs.length - 1];
      if (last !== undefined && seq <= last) throw new StorageCorruptError(`flash queue record ${i}: seq ${seq} after ${last}; the queue must ascend`);
      this.seqs.push(seq);
    }
  }

  size(): number {
    return this.seqs.length;
  }

  isFull(): boolean {
    return this.seqs.length >= this.capacity;
  }

  oldestSeq(): number | undefined {
    return this.seqs[0];
  }

  newestSeq(): number | undefined {
    return this.seqs[this.seqs.length - 1];
  }

  newest(): QueuedReading | undefined {
    return this.seqs.length === 0 ? undefined : this.decodeAt(this.storage.logEnd() - 1);
  }

  /** Appends a reading (not flushed: the caller flushes it with the state that goes with it). */
  push(entry: QueuedReading): void {
    const last = this.newestSeq();
    if (last !== undefined && entry.seq <= last) throw new RangeError(`FlashQueue.push: seq ${entry.seq} is not above ${last}`);
    if (this.isFull()) throw new RangeError('FlashQueue.push: the queue is full');
    this.storage.append(encodeQueueRecord(entry));
    this.seqs.push(entry.seq);
  }

  /** Up to `max` readings with seq above `afterSeq`, oldest first. */
  after(afterSeq: number, max: number): QueuedReading[] {
    let i = 0;
    while (i < this.seqs.length && this.seqs[i]! <= afterSeq) i++;
    const out: QueuedReading[] = [];
    const base = this.storage.logStart();
    for (; i < this.seqs.length && out.length < max; i++) out.push(this.decodeAt(base + i));
    return out;
  }

  /** Removes every reading with seq <= `seq` (not flushed); returns how many. */
  removeUpTo(seq: number): number {
    let n = 0;
    while (n < this.seqs.length && this.seqs[n]! <= seq) n++;
    if (n > 0) {
      this.storage.trimLog(this.storage.logStart() + n);
      this.seqs.splice(0, n);
    }
    return n;
  }

  private decodeAt(index: number): QueuedReading {
    const record = this.storage.readLog(index);
    if (record === undefined) throw new StorageCorruptError(`flash queue record ${index} is missing`);
    return decodeQueueRecord(record, index);
  }
}
