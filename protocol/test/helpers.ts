import fc from 'fast-check';
import { ProtocolError } from '../src/index.js';

/** Runs `decode` on `bytes`; passes iff it returns or throws a ProtocolError (never anything else). */
export function onlyTypedErrors(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): boolean {
  try {
    decode(bytes);
    return true;
  } catch (error) {
    if (error instanceof ProtocolError) return true;
    throw error;
  }
}

/** fast-check property: random bytes, and every truncation of `valid`, yield only typed errors. */
export function assertGarbageSafe(decode: (bytes: Uint8Array) => unknown, valid: Uint8Array, runs = 500): void {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => onlyTypedErrors(decode, bytes)), { numRuns: runs });
  for (let i = 0; i < valid.length; i++) onlyTypedErrors(decode, valid.subarray(0, i));
  fc.assert(
    fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const copy = valid.slice();
      copy[at] = copy[at]! ^ xor;
      return onlyTypedErrors(decode, copy);
    }),
    { numRuns: runs },
  );
}
