/**
 * A reader of the canonical CBOR the profile writes (RFC 8949 §4.2.1: each argument in its
 * shortest form, definite lengths only), for the hot decoders of transactions, COSE_Sign1 and
 * readings. It reads unsigned and negative integers within 32 bits, byte strings (as views of
 * the input, as cbor-x returns them), ASCII text, arrays, maps with text keys, true, false and
 * null. Anything else (tags beyond the caller's, floats, indefinite lengths, longer-than-needed
 * arguments, non-ASCII text, 64-bit integers, truncation) makes it return `undefined`, and the
 * caller decodes the input with `decodeCbor`, whose verdict stands: this reader only ever
 * accepts input that `decodeCbor` decodes to the same values.
 */
import { asciiText } from './bytes.js';

/** Major types of RFC 8949 §3.1. */
export const Major = Object.freeze({ UINT: 0, NINT: 1, BYTES: 2, TEXT: 3, ARRAY: 4, MAP: 5, TAG: 6, SIMPLE: 7 } as const);

/** Values the reader produces (CBOR maps become plain objects with text keys). */
export type CanonicalValue = string | number | boolean | null | Uint8Array | CanonicalValue[] | { [key: string]: CanonicalValue };

/** Deeper nesting is left to `decodeCbor` (and to the caller's own limit). */
const MAX_DEPTH = 16;

export class CanonicalReader {
  /** Offset of the next item. */
  pos = 0;

  constructor(readonly bytes: Uint8Array) {}

  get atEnd(): boolean {
    return this.pos === this.bytes.length;
  }

  /**
   * The argument of a head of major type `major` in its shortest form (§3.1: values below 24
   * inline, then 1, 2, 4 bytes), or -1 for another type, a longer form, 8 bytes, an
   * indefinite length or truncation. Advances past the head only when it returns >= 0.
   */
  head(major: number): number {
    const b = this.bytes;
    const p = this.pos;
    if (p >= b.length) return -1;
    const initial = b[p]!;
    if (initial >> 5 !== major) return -1;
    const info = initial & 31;
    if (info < 24) {
      this.pos = p + 1;
      return info;
    }
    if (info === 24) {
      if (p + 2 > b.length || b[p + 1]! < 24) return -1;
      this.pos = p + 2;
      return b[p + 1]!;
    }
    if (info === 25) {
      if (p + 3 > b.length) return -1;
      const v = (b[p + 1]! << 8) | b[p + 2]!;
      if (v < 0x100) return -1;
      this.pos = p + 3;
      return v;
    }
    if (info === 26) {
      if (p + 5 > b.length) return -1;
      const v = b[p + 1]! * 0x1000000 + ((b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!);
      if (v < 0x10000) return -1;
      this.pos = p + 5;
      return v;
    }
    return -1;
  }

  /** Steps over `item` (encoded bytes) if the input continues with exactly those bytes. */
  skip(item: Uint8Array): boolean {
    const b = this.bytes;
    const p = this.pos;
    if (p + item.length > b.length) return false;
    for (let i = 0; i < item.length; i++) if (b[p + i] !== item[i]) return false;
    this.pos = p + item.length;
    return true;
  }

  /** An unsigned integer, or -1. */
  uint(): number {
    return this.head(Major.UINT);
  }

  /** A byte string as a view of the input, or undefined. */
  byteString(): Uint8Array | undefined {
    const start = this.pos;
    const n = this.head(Major.BYTES);
    if (n < 0) return undefined;
    if (this.pos + n > this.bytes.length) {
      this.pos = start;
      return undefined;
    }
    this.pos += n;
    return this.bytes.subarray(this.pos - n, this.pos);
  }

  /** A text string of ASCII characters, or undefined (other UTF-8 is left to cbor-x). */
  asciiText(): string | undefined {
    const start = this.pos;
    const n = this.head(Major.TEXT);
    if (n < 0) return undefined;
    const b = this.bytes;
    const end = this.pos + n;
    if (end > b.length) return this.rewind(start);
    for (let i = this.pos; i < end; i++) if (b[i]! >= 0x80) return this.rewind(start);
    const text = asciiText(b, this.pos, end);
    this.pos = end;
    return text;
  }

  /** Any value of the subset, or undefined. */
  value(depth = 0): CanonicalValue | undefined {
    const b = this.bytes;
    if (this.pos >= b.length || depth > MAX_DEPTH) return undefined;
    const start = this.pos;
    const initial = b[start]!;
    switch (initial >> 5) {
      case Major.UINT: {
        const v = this.head(Major.UINT);
        return v < 0 ? undefined : v;
      }
      case Major.NINT: {
        const v = this.head(Major.NINT);
        return v < 0 ? undefined : -1 - v;
      }
      case Major.BYTES:
        return this.byteString();
      case Major.TEXT:
        return this.asciiText();
      case Major.ARRAY: {
        const n = this.head(Major.ARRAY);
        if (n < 0 || n > b.length - this.pos) return this.rewind(start);
        const out: CanonicalValue[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const item = this.value(depth + 1);
          if (item === undefined) return this.rewind(start);
          out[i] = item;
        }
        return out;
      }
      case Major.MAP: {
        const n = this.head(Major.MAP);
        if (n < 0 || n > b.length - this.pos) return this.rewind(start);
        const out: { [key: string]: CanonicalValue } = {};
        for (let i = 0; i < n; i++) {
          const key = this.asciiText();
          // Repeated keys and "__proto__" keep cbor-x's (and the caller's) own handling.
          if (key === undefined || key === '__proto__' || Object.prototype.hasOwnProperty.call(out, key)) return this.rewind(start);
          const item = this.value(depth + 1);
          if (item === undefined) return this.rewind(start);
          out[key] = item;
        }
        return out;
      }
      case Major.SIMPLE:
        // §3.3: false, true, null; undefined, other simple values and floats are not in the subset.
        if (initial < 0xf4 || initial > 0xf6) return undefined;
        this.pos = start + 1;
        return initial === 0xf6 ? null : initial === 0xf5;
      default:
        return undefined;
    }
  }

  private rewind(start: number): undefined {
    this.pos = start;
    return undefined;
  }
}
