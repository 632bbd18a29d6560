/**
 * Base32 of RFC 4648 §6 without padding. Its alphabet (A-Z, 2-7) lies inside the QR code
 * alphanumeric mode (ISO/IEC 18004 §7.4.4), so onboarding text encodes compactly in a QR code.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    buffer = (buffer << 8) | bytes[i]!;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]!;
  return out;
}

/**
 * Decodes unpadded base32 (either case). Returns undefined for a character outside the
 * alphabet, an impossible length, or non-zero trailing bits (RFC 4648 §3.5: canonical form).
 */
export function decodeBase32(text: string): Uint8Array | undefined {
  const remainder = text.length % 8;
  if (remainder === 1 || remainder === 3 || remainder === 6) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) c -= 32;
    let value: number;
    if (c >= 65 && c <= 90) value = c - 65;
    else if (c >= 50 && c <= 55) value = c - 24;
    else return undefined;
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) return undefined;
  return out;
}
