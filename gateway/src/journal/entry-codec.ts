/**
 * Journal entries packed into one transferable buffer for the journal writer thread, so a
 * group commit of thousands of readings costs one postMessage and no structured clone.
 *
 *   group   = u32le count, entry*
 *   entry   = meterId (8 bytes) | u8 flags (1 consumer, 2 quarantined) | f64le receivedMs
 *             | u32le coseLength | cose | u16le readingCount | reading*
 *   reading = u32le seq | u32le intervalStart | u32le intervalLength | hash (32)
 */
import { fromHex, toHex } from '@wattledger/protocol';
import type { JournalEntry, JournalReading } from './journal.js';

const CONSUMER = 1;
const QUARANTINED = 2;
const HASH_BYTES = 32;
const ENTRY_FIXED = 8 + 1 + 8 + 4 + 2;
const READING_BYTES = 12 + HASH_BYTES;

export function packEntries(entries: readonly JournalEntry[]): Uint8Array {
  let size = 4;
  for (const e of entries) {
    if (e.readings.length > 0xffff) throw new RangeError('packEntries: at most 65535 readings per entry');
    size += ENTRY_FIXED + e.cose.length + e.readings.length * READING_BYTES;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, entries.length, true);
  let o = 4;
  for (const e of entries) {
    out.set(fromHex(e.meterId), o);
    out[o + 8] = (e.role === 'consumer' ? CONSUMER : 0) | (e.quarantined ? QUARANTINED : 0);
    view.setFloat64(o + 9, e.receivedMs, true);
    view.setUint32(o + 17, e.cose.length, true);
    out.set(e.cose, o + 21);
    o += 21 + e.cose.length;
    view.setUint16(o, e.readings.length, true);
    o += 2;
    for (const r of e.readings) {
      if (r.hash.length !== HASH_BYTES) throw new RangeError('packEntries: 32-byte reading hash expected');
      view.setUint32(o, r.seq, true);
      view.setUint32(o + 4, r.intervalStart, true);
      view.setUint32(o + 8, r.intervalLength, true);
      out.set(r.hash, o + 12);
      o += READING_BYTES;
    }
  }
  return out;
}

/**
 * Unpacks a group; throws RangeError on a truncated or padded buffer. The cose and hash fields
 * are views into `packed` (no copies): keep `packed` unchanged while the entries are in use.
 */
export function unpackEntries(packed: Uint8Array): JournalEntry[] {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const need = (o: number, n: number): void => {
    if (o + n > packed.length) throw new RangeError('journal group truncated');
  };
  need(0, 4);
  const count = view.getUint32(0, true);
  const entries: JournalEntry[] = [];
  let o = 4;
  for (let i = 0; i < count; i++) {
    need(o, 21);
    const meterId = toHex(packed.subarray(o, o + 8));
    const flags = packed[o + 8]!;
    const receivedMs = view.getFloat64(o + 9, true);
    const coseLength = view.getUint32(o + 17, true);
    need(o + 21, coseLength + 2);
    const cose = packed.subarray(o + 21, o + 21 + coseLength);
    o += 21 + coseLength;
    const readingCount = view.getUint16(o, true);
    o += 2;
    need(o, readingCount * READING_BYTES);
    const readings: JournalReading[] = [];
    for (let k = 0; k < readingCount; k++) {
      readings.push({ seq: view.getUint32(o, true), intervalStart: view.getUint32(o + 4, true), intervalLength: view.getUint32(o + 8, true), hash: packed.subarray(o + 12, o + 12 + HASH_BYTES) });
      o += READING_BYTES;
    }
    entries.push({ meterId, role: flags & CONSUMER ? 'consumer' : 'producer', quarantined: (flags & QUARANTINED) !== 0, receivedMs, cose, readings });
  }
  if (o !== packed.length) throw new RangeError('journal group has trailing bytes');
  return entries;
}
