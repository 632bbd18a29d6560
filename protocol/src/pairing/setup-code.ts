/**
 * The setup code: 8 decimal digits printed on the meter (QR code, NFC tag, label). Typed by
 * hand it carries a 9th Verhoeff check digit (Verhoeff 1969, dihedral group D5), which
 * catches every single-digit error and every adjacent transposition before any radio
 * traffic. Inside the Noise channel the technician proves knowledge of the code with an HMAC
 * bound to the handshake hash; the meter never reveals anything derived from it, so a
 * passer-by can only guess online, against the attempt limit.
 */
import { utf8 } from '../bytes.js';
import { PairingError, PairingErrorCode } from './errors.js';
import { hmacSha256 } from './noise/symmetric-state.js';

export const SETUP_CODE_DIGITS = 8;
const SETUP_CODE_PATTERN = /^[0-9]{8}$/;
/** Codes a person might pick or a broken generator might produce; refused like Matter does. */
const TRIVIAL_CODES: ReadonlySet<string> = new Set([
  '00000000', '11111111', '22222222', '33333333', '44444444', '55555555', '66666666', '77777777',
  '88888888', '99999999', '12345678', '87654321',
]);

const D: ReadonlyArray<ReadonlyArray<number>> = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P: ReadonlyArray<ReadonlyArray<number>> = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/** Verhoeff check digit of a string of decimal digits. */
export function verhoeffCheckDigit(digits: string): number {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = D[c]![P[(i + 1) % 8]![digit]!]!;
  }
  return INV[c]!;
}

/** True iff the last digit is the Verhoeff check digit of the others. */
export function verhoeffValid(digitsWithCheck: string): boolean {
  let c = 0;
  for (let i = 0; i < digitsWithCheck.length; i++) {
    const digit = digitsWithCheck.charCodeAt(digitsWithCheck.length - 1 - i) - 48;
    c = D[c]![P[i % 8]![digit]!]!;
  }
  return c === 0;
}

export function isSetupCode(value: unknown): value is string {
  return typeof value === 'string' && SETUP_CODE_PATTERN.test(value) && !TRIVIAL_CODES.has(value);
}

export function checkSetupCode(code: string): string {
  if (!isSetupCode(code)) throw new TypeError('setup code must be 8 decimal digits and not a trivial pattern');
  return code;
}

/** Largest multiple of 10^8 not above 2^32. */
const SAMPLE_LIMIT = 4_200_000_000;

/**
 * A new setup code from host randomness (at least 4 bytes; pass 16): rejection sampling of
 * 32-bit values below 42 x 10^8, reduced mod 10^8, so every code is equally likely. Each
 * 4-byte draw is refused with probability 2.2 % (or when trivial), so 16 bytes fail about
 * once in 4 million calls.
 */
export function setupCodeFromRandom(random: Uint8Array): string {
  for (let i = 0; i + 4 <= random.length; i += 4) {
    const value = ((random[i]! << 24) | (random[i + 1]! << 16) | (random[i + 2]! << 8) | random[i + 3]!) >>> 0;
    if (value >= SAMPLE_LIMIT) continue;
    const code = String(value % 100_000_000).padStart(SETUP_CODE_DIGITS, '0');
    if (!TRIVIAL_CODES.has(code)) return code;
  }
  throw new RangeError('setupCodeFromRandom: not enough random bytes, pass 16');
}

/** The form printed for typing: `1234-5678-C`, C the Verhoeff check digit. */
export function formatSetupCode(code: string): string {
  checkSetupCode(code);
  return `${code.slice(0, 4)}-${code.slice(4)}-${verhoeffCheckDigit(code)}`;
}

/**
 * Parses a typed setup code (spaces and dashes ignored, 9 digits with the check digit);
 * BAD_SETUP_CODE when it is malformed or the check digit does not match.
 */
export function parseSetupCode(typed: string): string {
  const digits = typed.replace(/[\s-]/g, '');
  if (!/^[0-9]{9}$/.test(digits)) {
    throw new PairingError(PairingErrorCode.BAD_SETUP_CODE, `setup code "${typed}" must be 9 digits (8 + check digit), like 1234-5678-9`);
  }
  if (!verhoeffValid(digits)) throw new PairingError(PairingErrorCode.BAD_SETUP_CODE, `setup code "${typed}" has a typo: its check digit does not match`);
  const code = digits.slice(0, SETUP_CODE_DIGITS);
  if (TRIVIAL_CODES.has(code)) throw new PairingError(PairingErrorCode.BAD_SETUP_CODE, `setup code "${typed}" is not a valid code`);
  return code;
}

const SETUP_KEY_LABEL = utf8('wattledger/pairing/1/setup-code');
const PROOF_LABEL = utf8('wattledger/pairing/1/setup-proof');

/** The secret a meter keeps instead of the code itself: HMAC-SHA256(label, code). */
export function setupCodeKey(code: string): Uint8Array {
  checkSetupCode(code);
  return hmacSha256(SETUP_KEY_LABEL, utf8(code));
}

/** Proof of the setup code for one session: HMAC-SHA256(setupCodeKey, label || h). */
export function setupCodeProof(key: Uint8Array, handshakeHash: Uint8Array): Uint8Array {
  const data = new Uint8Array(PROOF_LABEL.length + handshakeHash.length);
  data.set(PROOF_LABEL, 0);
  data.set(handshakeHash, PROOF_LABEL.length);
  return hmacSha256(key, data);
}
