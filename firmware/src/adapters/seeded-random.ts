/**
 * Deterministic random bytes (SplitMix32 generator, after Steele, Lea & Flood, "Fast
 * splittable pseudorandom number generators", OOPSLA 2014) for tests, simulations and
 * reproducible demo keys. Never a device's key source.
 */
import type { RandomSource } from '../hal/random.js';

export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new TypeError('SeededRandom: integer seed expected');
    this.state = seed >>> 0;
  }

  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  fill(bytes: Uint8Array): Uint8Array {
    for (let i = 0; i < bytes.length; i++) {
      if ((i & 3) === 0) this.word = this.nextUint32();
      bytes[i] = (this.word >>> ((i & 3) * 8)) & 0xff;
    }
    return bytes;
  }

  private word = 0;
}

/** Stateless hash of (seed, index) to [0, 1): noise that depends on time only, not on call order. */
export function hashUnit(seed: number, index: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index | 0, 0x85ebca6b) ^ Math.imul(Math.floor(index / 0x1_0000_0000), 0xc2b2ae35)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
  return ((z ^ (z >>> 16)) >>> 0) / 0x1_0000_0000;
}
