/**
 * Hex on the core's hot paths, the same text as the protocol's toHex / fromHex: hexOf returns
 * one flat string (toHex appends two characters at a time, 64 string pieces and ~2 KB of
 * garbage for a SHA-256 digest), and equalsHex compares bytes with hex without decoding it.
 */

const DIGITS = new TextEncoder().encode('0123456789abcdef');
const latin1 = new TextDecoder('latin1');
let ascii = new Uint8Array(64);

export function hexOf(bytes: Uint8Array): string {
  const n = bytes.length;
  if (ascii.length < 2 * n) ascii = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    ascii[2 * i] = DIGITS[b >> 4]!;
    ascii[2 * i + 1] = DIGITS[b & 15]!;
  }
  return latin1.decode(ascii.subarray(0, 2 * n));
}

function digit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** equalBytes(bytes, fromHex(hex)) for well-formed hex; false for any other string. */
export function equalsHex(bytes: Uint8Array, hex: string): boolean {
  if (hex.length !== 2 * bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) {
    const hi = digit(hex.charCodeAt(2 * i));
    const lo = digit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0 || ((hi << 4) | lo) !== bytes[i]) return false;
  }
  return true;
}
