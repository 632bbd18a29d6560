/**
 * Hex on the core's hot paths: hexOf is the protocol's toHex (one flat string, no view per
 * call up to 32 bytes), and equalsHex compares bytes with hex without decoding it.
 */
import { toHex } from '@wattledger/protocol';

export function hexOf(bytes: Uint8Array): string {
  return toHex(bytes);
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
