/**
 * A compact stand-in for cbor-x in the device bundle (cbor-x is 30 KB minified; this is
 * about 2). It implements exactly the protocol's CBOR profile (RFC 8949: definite lengths,
 * shortest-form integers and lengths, no tag for byte strings, Maps with any keys, integers
 * beyond 32 bits as float64 like cbor-x, BigInt as 64-bit integers) with the `Encoder`,
 * `Decoder` and `Tag` that protocol/src/cbor.ts and cose.ts import. The build aliases
 * `cbor-x` to this file; firmware/test/cbor-lite.test.ts checks byte equality with cbor-x
 * and the XS test checks the bundled result against Node.
 * Stricter than cbor-x when decoding: indefinite lengths and unknown simple values throw.
 */

export class Tag {
  constructor(public value: unknown, public tag: number) {}
}

class Writer {
  bytes = new Uint8Array(256);
  view = new DataView(this.bytes.buffer);
  length = 0;

  room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.room(1);
    this.bytes[this.length++] = b;
  }

  head(major: number, n: number): void {
    this.room(9);
    const m = major << 5;
    if (n < 24) this.bytes[this.length++] = m | n;
    else if (n < 0x100) { this.bytes[this.length++] = m | 24; this.bytes[this.length++] = n; }
    else if (n < 0x10000) { this.bytes[this.length++] = m | 25; this.view.setUint16(this.length, n); this.length += 2; }
    else { this.bytes[this.length++] = m | 26; this.view.setUint32(this.length, n); this.length += 4; }
  }

  raw(data: Uint8Array): void {
    this.room(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }
}

function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push((c >> 6) | 0xc0, (c & 0x3f) | 0x80);
    else if ((c & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c & 0x3ff) << 10) + (s.charCodeAt(++i) & 0x3ff);
      out.push((c >> 18) | 0xf0, ((c >> 12) & 0x3f) | 0x80, ((c >> 6) & 0x3f) | 0x80, (c & 0x3f) | 0x80);
    } else out.push((c >> 12) | 0xe0, ((c >> 6) & 0x3f) | 0x80, (c & 0x3f) | 0x80);
  }
  return new Uint8Array(out);
}

function write(w: Writer, v: unknown): void {
  if (typeof v === 'number') {
    if (v >>> 0 === v) w.head(0, v);
    else if (v < 0 && v >= -0x100000000 && Math.floor(v) === v) w.head(1, -1 - v);
    else { w.room(9); w.bytes[w.length++] = 0xfb; w.view.setFloat64(w.length, v); w.length += 8; }
  } else if (typeof v === 'string') {
    const b = utf8(v);
    w.head(3, b.length);
    w.raw(b);
  } else if (typeof v === 'boolean') w.byte(v ? 0xf5 : 0xf4);
  else if (v === null) w.byte(0xf6);
  else if (v === undefined) w.byte(0xf7);
  else if (typeof v === 'bigint') {
    const negative = v < 0n;
    const n = negative ? -1n - v : v;
    // cbor-x writes a bignum tag from -2^64 down; the profile never needs one.
    if (n >= (negative ? (1n << 64n) - 1n : 1n << 64n)) throw new RangeError('BigInt beyond 64 bits');
    w.room(9);
    w.bytes[w.length++] = negative ? 0x3b : 0x1b;
    w.view.setBigUint64(w.length, n);
    w.length += 8;
  } else if (v instanceof Uint8Array) {
    w.head(2, v.length);
    w.raw(v);
  } else if (Array.isArray(v)) {
    w.head(4, v.length);
    for (const item of v) write(w, item);
  } else if (v instanceof Map) {
    w.head(5, v.size);
    for (const [key, item] of v) { write(w, key); write(w, item); }
  } else if (v instanceof Tag) {
    w.head(6, v.tag);
    write(w, v.value);
  } else if (typeof v === 'object') {
    const keys = Object.keys(v);
    w.head(5, keys.length);
    for (const key of keys) { write(w, key); write(w, (v as Record<string, unknown>)[key]); }
  } else throw new TypeError(`cannot encode ${typeof v} as CBOR`);
}

export class Encoder {
  constructor(_options?: unknown) {}
  encode(value: unknown): Uint8Array {
    const w = new Writer();
    write(w, value);
    return w.bytes.slice(0, w.length);
  }
}

class Reader {
  at = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number): number {
    const at = this.at;
    if (at + n > this.bytes.length) throw new Error('Unexpected end of CBOR data');
    this.at += n;
    return at;
  }

  argument(info: number): number {
    if (info < 24) return info;
    if (info === 24) return this.bytes[this.need(1)]!;
    if (info === 25) return this.view.getUint16(this.need(2));
    if (info === 26) return this.view.getUint32(this.need(4));
    if (info === 27) return Number(this.view.getBigUint64(this.need(8)));
    throw new Error(`unsupported CBOR additional information ${info}`);
  }

  item(): unknown {
    const initial = this.bytes[this.need(1)]!;
    const major = initial >> 5;
    const info = initial & 31;
    if (major === 7) return this.simple(info);
    if (major === 6 && info === 27) throw new Error('CBOR tag number beyond 32 bits');
    const n = this.argument(info);
    switch (major) {
      case 0: return n;
      case 1: return -1 - n;
      case 2: return this.bytes.slice(this.at, this.need(n) + n);
      case 3: return new TextDecoder().decode(this.bytes.subarray(this.at, this.need(n) + n));
      case 4: {
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(this.item());
        return out;
      }
      case 5: {
        const out = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) {
          const key = this.item();
          out.set(key, this.item());
        }
        return out;
      }
      default: return new Tag(this.item(), n);
    }
  }

  simple(info: number): unknown {
    switch (info) {
      case 20: return false;
      case 21: return true;
      case 22: return null;
      case 23: return undefined;
      case 25: return half(this.view.getUint16(this.need(2)));
      case 26: return this.view.getFloat32(this.need(4));
      case 27: return this.view.getFloat64(this.need(8));
      default: throw new Error(`unsupported CBOR simple value ${info}`);
    }
  }
}

/** IEEE 754 binary16 (RFC 8949 Appendix D). */
function half(h: number): number {
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  const value = exponent === 0 ? mantissa * 2 ** -24 : exponent === 31 ? (mantissa ? NaN : Infinity) : (mantissa + 1024) * 2 ** (exponent - 25);
  return h & 0x8000 ? -value : value;
}

export class Decoder {
  constructor(_options?: unknown) {}
  decode(bytes: Uint8Array): unknown {
    const reader = new Reader(bytes);
    const value = reader.item();
    if (reader.at !== bytes.length) throw new Error('Data read, but end of buffer not reached');
    return value;
  }
}
