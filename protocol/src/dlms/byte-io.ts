/**
 * Cursor over bytes and a growable writer, shared by the A-XDR and APDU codecs. Lengths use the
 * BER definite form of X.690 §8.1.3 that A-XDR borrows (Green Book §9.3.2): one byte below 0x80,
 * else 0x81..0x84 followed by that many big-endian length bytes.
 */
import { ApduError, AxdrError } from './errors.js';

export class ByteReader {
  readonly bytes: Uint8Array;
  offset: number;
  readonly end: number;
  readonly #layer: 'AXDR' | 'APDU';
  readonly #what: string;

  constructor(bytes: Uint8Array, options: { offset?: number; end?: number; layer?: 'AXDR' | 'APDU'; what?: string } = {}) {
    this.bytes = bytes;
    this.offset = options.offset ?? 0;
    this.end = options.end ?? bytes.length;
    this.#layer = options.layer ?? 'AXDR';
    this.#what = options.what ?? 'data';
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  truncated(need: number): never {
    const message = `${this.#what}: truncated at byte ${this.offset}, ${need} more byte(s) needed, ${this.remaining} left`;
    throw this.#layer === 'AXDR' ? new AxdrError('DLMS_AXDR_TRUNCATED', message) : new ApduError('DLMS_APDU_TRUNCATED', message);
  }

  malformed(why: string): never {
    const message = `${this.#what}: ${why} (at byte ${this.offset})`;
    throw this.#layer === 'AXDR' ? new AxdrError('DLMS_AXDR_BAD_VALUE', message) : new ApduError('DLMS_APDU_MALFORMED', message);
  }

  u8(): number {
    if (this.offset >= this.end) this.truncated(1);
    return this.bytes[this.offset++]!;
  }

  peek(): number {
    if (this.offset >= this.end) this.truncated(1);
    return this.bytes[this.offset]!;
  }

  u16(): number {
    if (this.offset + 2 > this.end) this.truncated(2);
    const b = this.bytes;
    const v = (b[this.offset]! << 8) | b[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  u32(): number {
    if (this.offset + 4 > this.end) this.truncated(4);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.offset + n > this.end) this.truncated(n);
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** BER definite length. */
  length(): number {
    const first = this.u8();
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 4) this.malformed(`length form 0x${first.toString(16)} is not a definite length of 1..4 bytes`);
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 256 + this.u8();
    return value;
  }

  done(): void {
    if (this.offset !== this.end) this.malformed(`${this.end - this.offset} unexpected trailing byte(s)`);
  }
}

export class ByteWriter {
  #buffer: Uint8Array;
  length = 0;

  constructor(capacity = 64) {
    this.#buffer = new Uint8Array(capacity);
  }

  #ensure(n: number): void {
    if (this.length + n <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buffer.subarray(0, this.length));
    this.#buffer = next;
  }

  u8(v: number): this {
    this.#ensure(1);
    this.#buffer[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.#ensure(2);
    this.#buffer[this.length++] = (v >> 8) & 0xff;
    this.#buffer[this.length++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    this.#ensure(4);
    this.#buffer[this.length++] = (v >>> 24) & 0xff;
    this.#buffer[this.length++] = (v >>> 16) & 0xff;
    this.#buffer[this.length++] = (v >>> 8) & 0xff;
    this.#buffer[this.length++] = v & 0xff;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buffer.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** BER definite length, shortest form. */
  berLength(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`length 0..2^32-1 expected, got ${n}`);
    if (n < 0x80) return this.u8(n);
    if (n <= 0xff) return this.u8(0x81).u8(n);
    if (n <= 0xffff) return this.u8(0x82).u16(n);
    if (n <= 0xffffff) return this.u8(0x83).u8(n >> 16).u16(n & 0xffff);
    return this.u8(0x84).u32(n);
  }

  finish(): Uint8Array {
    return this.#buffer.slice(0, this.length);
  }
}

export function berLengthBytes(n: number): Uint8Array {
  return new ByteWriter(5).berLength(n).finish();
}
