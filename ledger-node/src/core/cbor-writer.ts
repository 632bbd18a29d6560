/**
 * A small canonical CBOR writer (RFC 8949 §4.2.1 preferred serialisation) for the ledger's
 * own hot structures: arrays of unsigned integers, text, byte strings, booleans and null,
 * written back to back into one growing buffer instead of one allocation per item. For
 * integers up to 2^32 - 1 the bytes equal the protocol profile's (cbor-x) encoding, which
 * test/cbor-writer.test.ts checks; larger safe integers are written as float64, as cbor-x
 * does for them.
 */
import { hexDigit } from '@wattledger/protocol';

const encoder = new TextEncoder();
/** From this length on, ASCII text is copied by TextEncoder.encodeInto (one call ~60 ns) rather than by a loop (~2.3 ns a character). */
const NATIVE_ASCII_MIN = 32;

export class CborWriter {
  private buffer: Uint8Array;
  /** Only for float64 (rare); created on first use: a DataView costs more than a small buffer. */
  private view: DataView | undefined;
  private at = 0;
  /**
   * The last few long texts written and where their bytes start: ids and hashes repeat from
   * record to record (a piece's root and source transaction are its neighbour's, an asset's
   * id is the key just before it), and a repeat is copied from there. Forgotten whenever
   * `position` is set, since earlier bytes may then be overwritten.
   */
  private readonly recentTexts: Array<string | undefined> = [undefined, undefined, undefined, undefined];
  private readonly recentAt = [0, 0, 0, 0];
  private recentNext = 0;

  /** Write offset; setting it (to reuse the buffer) forgets the recent texts. */
  get position(): number {
    return this.at;
  }

  set position(value: number) {
    this.at = value;
    this.recentTexts.fill(undefined);
  }

  constructor(initialBytes = 1 << 16) {
    this.buffer = new Uint8Array(initialBytes);
  }

  /** Grows the buffer, once, to hold at least `total` bytes in all (a size known in advance). */
  ensureCapacity(total: number): void {
    if (total > this.buffer.length) this.reserve(total - this.at);
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const size = Math.max(this.buffer.length * 2, this.at + bytes);
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.at));
    this.buffer = next;
    this.view = undefined;
  }

  private head(major: number, value: number): void {
    this.reserve(9);
    const b = this.buffer;
    const m = major << 5;
    if (value < 24) b[this.at++] = m | value;
    else if (value < 0x100) {
      b[this.at++] = m | 24;
      b[this.at++] = value;
    } else if (value < 0x10000) {
      b[this.at++] = m | 25;
      b[this.at++] = value >>> 8;
      b[this.at++] = value & 0xff;
    } else {
      b[this.at++] = m | 26;
      this.putUint32(this.at, value);
      this.at += 4;
    }
  }

  array(length: number): this {
    this.head(4, length);
    return this;
  }

  /** A non-negative safe integer. */
  uint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`CborWriter.uint: non-negative safe integer expected, got ${value}`);
    if (value <= 0xffffffff) this.head(0, value);
    else {
      this.reserve(9);
      this.buffer[this.at++] = 0xfb;
      (this.view ??= new DataView(this.buffer.buffer, this.buffer.byteOffset)).setFloat64(this.at, value);
      this.at += 8;
    }
    return this;
  }

  text(value: string): this {
    const n = value.length;
    this.head(3, n);
    this.reserve(n);
    if (n >= NATIVE_ASCII_MIN) {
      if (this.longAscii(value)) return this;
      this.at -= n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
      return this.rawText(encoder.encode(value));
    }
    const b = this.buffer;
    let p = this.at;
    for (let i = 0; i < n; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) {
        // Not ASCII: undo and write real UTF-8.
        this.at = p - i - (n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);
        return this.rawText(encoder.encode(value));
      }
      b[p++] = code;
    }
    this.at = p;
    return this;
  }

  /**
   * Writes `value` as raw ASCII bytes (room reserved by the caller) if it is ASCII: a copy of
   * a recent long text's bytes, else the engine's encoder (~2.5x faster than a loop; it writes
   * at most n bytes here, so a non-ASCII string shows as read < n). False: not ASCII, nothing
   * written.
   */
  private longAscii(value: string): boolean {
    const n = value.length;
    const texts = this.recentTexts;
    for (let i = 0; i < texts.length; i++) {
      if (texts[i] === value) {
        const from = this.recentAt[i]!;
        this.buffer.copyWithin(this.at, from, from + n);
        this.at += n;
        return true;
      }
    }
    if (encoder.encodeInto(value, this.buffer.subarray(this.at, this.at + n)).read !== n) return false;
    const slot = this.recentNext;
    texts[slot] = value;
    this.recentAt[slot] = this.at;
    this.recentNext = (slot + 1) & 3;
    this.at += n;
    return true;
  }

  private rawText(utf8: Uint8Array): this {
    this.head(3, utf8.length);
    this.raw(utf8);
    return this;
  }

  bytes(value: Uint8Array): this {
    this.head(2, value.length);
    return this.raw(value);
  }

  bool(value: boolean): this {
    this.reserve(1);
    this.buffer[this.at++] = value ? 0xf5 : 0xf4;
    return this;
  }

  null(): this {
    this.reserve(1);
    this.buffer[this.at++] = 0xf6;
    return this;
  }

  /** A byte string given as hex digits (0-9, a-f, A-F; even length), decoded in place. */
  bytesFromHex(hex: string): this {
    const n = hex.length >> 1;
    if ((hex.length & 1) !== 0) throw new TypeError('bytesFromHex: odd number of hex digits');
    this.head(2, n);
    this.reserve(n);
    const b = this.buffer;
    let p = this.at;
    for (let i = 0; i < hex.length; i += 2) {
      const hi = hexDigit(hex.charCodeAt(i));
      const lo = hexDigit(hex.charCodeAt(i + 1));
      if ((hi | lo) < 0) throw new TypeError(`bytesFromHex: not hex: ${JSON.stringify(hex)}`);
      b[p++] = (hi << 4) | lo;
    }
    this.at = p;
    return this;
  }

  /** One raw byte (not CBOR; a frame prefix). */
  byte(value: number): this {
    this.reserve(1);
    this.buffer[this.at++] = value;
    return this;
  }

  /** Bytes copied verbatim (already encoded, or a non-CBOR frame). */
  raw(value: Uint8Array): this {
    this.reserve(value.length);
    this.buffer.set(value, this.at);
    this.at += value.length;
    return this;
  }

  /** ASCII text followed by a NUL byte, not CBOR (a frame separator); throws on non-ASCII. */
  asciiz(value: string): this {
    const n = value.length;
    this.reserve(n + 1);
    if (n >= NATIVE_ASCII_MIN) {
      if (!this.longAscii(value)) throw new RangeError(`asciiz: not ASCII: ${JSON.stringify(value)}`);
      this.buffer[this.at++] = 0;
      return this;
    }
    for (let i = 0; i < n; i++) {
      const code = value.charCodeAt(i);
      if (code > 127) throw new RangeError(`asciiz: not ASCII: ${JSON.stringify(value)}`);
      this.buffer[this.at++] = code;
    }
    this.buffer[this.at++] = 0;
    return this;
  }

  /** Writes a u32 big-endian at `at` (patching a length reserved earlier). */
  patchUint32(at: number, value: number): void {
    this.putUint32(at, value);
  }

  /** Reserves 4 bytes and returns their offset. */
  skip4(): number {
    this.reserve(4);
    const at = this.at;
    this.at += 4;
    return at;
  }

  private putUint32(at: number, value: number): void {
    const b = this.buffer;
    b[at] = value >>> 24;
    b[at + 1] = (value >>> 16) & 0xff;
    b[at + 2] = (value >>> 8) & 0xff;
    b[at + 3] = value & 0xff;
  }

  /** A view of everything written so far (valid until the next write). */
  view8(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  /** A copy of bytes [start, end). */
  slice(start: number, end: number): Uint8Array {
    return this.buffer.slice(start, end);
  }
}
