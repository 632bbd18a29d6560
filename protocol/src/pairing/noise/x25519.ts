/**
 * X25519 (RFC 7748 §5) on @noble/curves' Montgomery ladder (`abstract/montgomery.js`), built
 * here instead of imported from `@noble/curves/ed25519.js`: that module also instantiates the
 * Edwards point class, whose `static BASE = new Point(...)` initializer the XS engine rejects
 * (ReferenceError, class binding "not initialized yet"). The ladder alone runs on XS and
 * gives the same bytes as noble's `x25519` (checked in test/pairing-noise.test.ts).
 */
import { montgomery } from '@noble/curves/abstract/montgomery.js';
import { pow } from '@noble/curves/abstract/modular.js';

/** RFC 7748 §4.1: p = 2^255 - 19. */
const P = 2n ** 255n - 19n;

export const x25519 = montgomery({
  P,
  type: 'x25519',
  // Field inversion by Fermat: x^(p-2); the exponent is public, so the square-and-multiply is regular.
  powPminus2: (x: bigint) => pow(x, P - 2n, P),
  // RFC 7748 §5 decodeScalar25519: clear bits 0, 1, 2 and 255, set bit 254.
  adjustScalarBytes: (bytes: Uint8Array) => {
    bytes[0]! &= 248;
    bytes[31]! &= 127;
    bytes[31]! |= 64;
    return bytes;
  },
  // Never used (keys come from the host's random source); set so nothing reaches for a global crypto.
  randomBytes: () => {
    throw new Error('X25519: pass key material explicitly; no implicit randomness in the pure core');
  },
});
