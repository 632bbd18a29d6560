/** Byte helpers shared by every codec. Pure: no Buffer, runs on XS. */

const HEX_CODES = Uint8Array.from([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]); // '0'..'9', 'a'..'f'
/** ASCII to string where the host has a TextDecoder (XS may not: String.fromCharCode there). */
const asciiDecoder: { decode(bytes: Uint8Array): string } | undefined = typeof TextDecoder === 'function' ? new TextDecoder() : undefined;
/** Up to this many bytes (a SHA-256 digest) the digits go through one buffer and a view made once per length. */
const SHORT_HEX_BYTES = 32;
const digits = new Uint8Array(2 * SHORT_HEX_BYTES);
const digitViews: Uint8Array[] = Array.from({ length: SHORT_HEX_BYTES + 1 }, (_, n) => digits.subarray(0, 2 * n));

/**
 * Lower-case hex as one flat string: appending two characters at a time would leave a rope of
 * string pieces that every later hash lookup first copies (ids are map keys on hot paths).
 */
export function toHex(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = n <= SHORT_HEX_BYTES ? digits : new Uint8Array(2 * n);
  for (let i = 0, o = 0; i < n; i++, o += 2) {
    const b = bytes[i]!;
    out[o] = HEX_CODES[b >> 4]!;
    out[o + 1] = HEX_CODES[b & 15]!;
  }
  return n <= SHORT_HEX_BYTES ? asciiString(digitViews[n]!) : asciiText(out, 0, 2 * n);
}

function asciiString(view: Uint8Array): string {
  return asciiDecoder !== undefined ? asciiDecoder.decode(view) : asciiText(view, 0, view.length);
}

/** The string of `bytes[start..end)`, each byte below 0x80 (callers check). */
export function asciiText(bytes: Uint8Array, start: number, end: number): string {
  if (asciiDecoder !== undefined) return asciiDecoder.decode(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
  let out = '';
  for (let i = start; i < end; i += 4096) out += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  return out;
}

/** Lower- or upper-case hex to bytes; throws TypeError on odd length or a non-hex digit. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0) throw new TypeError('hex string of even length expected');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new TypeError(`invalid hex digit near offset ${2 * i}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Value of hex digit `c` (a char code, either case), or -1 if it is not one. */
export function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** equalBytes(bytes, fromHex(hex)) for well-formed hex, false for any other string, without decoding it. */
export function equalsHex(bytes: Uint8Array, hex: string): boolean {
  if (hex.length !== 2 * bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0 || ((hi << 4) | lo) !== bytes[i]) return false;
  }
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** A plain Uint8Array view (not a Buffer subclass), so encoders treat it identically on every host. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const utf8Encoder = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
