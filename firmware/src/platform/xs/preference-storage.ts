/**
 * Storage on Moddable XS: key/value in ESP32 NVS through Preference (domain `wl`), the log
 * in a flash partition of fixed-size slots used as a ring (Moddable Flash module).
 *
 * Slot: u16 length | record | u32 CRC-32 of the record (big-endian). The log's bounds live
 * in NVS (`ls`, `le`); a record is written to its slot before `le` moves past it, and a
 * sector is erased only when the ring enters it, so a power cut leaves a prefix of the
 * writes. Preference commits each set, so `flush()` has nothing left to do.
 */
import Flash from 'flash';
import Preference from 'preference';
import { checkKey, checkValue, type Storage } from '../../hal/storage.js';

const DOMAIN = 'wl';
const KEY_START = 'ls';
const KEY_END = 'le';

export interface PreferenceStorageOptions {
  /** Flash partition holding the log (see manifest.json). */
  readonly partition: string;
  readonly slotBytes?: number;
}

export class PreferenceStorage implements Storage {
  private readonly flash: Flash;
  private readonly slotBytes: number;
  private readonly slots: number;
  private readonly slotsPerSector: number;
  private start: number;
  private end: number;

  constructor(options: PreferenceStorageOptions) {
    this.flash = new Flash(options.partition);
    this.slotBytes = options.slotBytes ?? 256;
    this.slotsPerSector = this.flash.blockSize / this.slotBytes;
    this.slots = Math.floor(this.flash.byteLength / this.slotBytes);
    this.start = Number(Preference.get(DOMAIN, KEY_START) ?? 0);
    this.end = Number(Preference.get(DOMAIN, KEY_END) ?? 0);
  }

  /** Records the ring can hold: all slots but one sector, which is erased ahead of the writer. */
  capacity(): number {
    return this.slots - this.slotsPerSector;
  }

  get(key: string): Uint8Array | undefined {
    checkKey(key);
    const value = Preference.get(DOMAIN, `k${key}`.slice(0, 15));
    return value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
  }

  put(key: string, value: Uint8Array): void {
    checkKey(key);
    checkValue(value);
    Preference.set(DOMAIN, `k${key}`.slice(0, 15), value.slice().buffer as ArrayBuffer);
  }

  delete(key: string): void {
    checkKey(key);
    Preference.delete(DOMAIN, `k${key}`.slice(0, 15));
  }

  append(record: Uint8Array): number {
    checkValue(record);
    if (record.length + 6 > this.slotBytes) throw new RangeError(`log record of ${record.length} bytes exceeds the ${this.slotBytes - 6}-byte slot`);
    if (this.end - this.start >= this.capacity()) throw new RangeError('flash log is full');
    const slot = this.end % this.slots;
    if (slot % this.slotsPerSector === 0) this.flash.erase(slot / this.slotsPerSector);
    const frame = new Uint8Array(record.length + 6);
    const view = new DataView(frame.buffer);
    view.setUint16(0, record.length);
    frame.set(record, 2);
    view.setUint32(2 + record.length, crc32(record));
    this.flash.write(slot * this.slotBytes, frame.length, frame.buffer);
    const index = this.end++;
    Preference.set(DOMAIN, KEY_END, this.end);
    return index;
  }

  readLog(index: number): Uint8Array | undefined {
    if (index < this.start || index >= this.end) return undefined;
    const slot = index % this.slots;
    const frame = new Uint8Array(this.flash.read(slot * this.slotBytes, this.slotBytes));
    const view = new DataView(frame.buffer);
    const length = view.getUint16(0);
    if (length + 6 > this.slotBytes) return undefined;
    const record = frame.slice(2, 2 + length);
    return view.getUint32(2 + length) === crc32(record) ? record : undefined;
  }

  logStart(): number {
    return this.start;
  }

  logEnd(): number {
    return this.end;
  }

  trimLog(before: number): void {
    this.start = Math.min(Math.max(before, this.start), this.end);
    Preference.set(DOMAIN, KEY_START, this.start);
  }

  flush(): void {}

  close(): void {}
}

/** CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), bitwise: small code over speed. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]!;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
