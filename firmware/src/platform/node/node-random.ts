/** Random bytes from node:crypto (the OS CSPRNG): the simulator's stand-in for a hardware RNG. */
import { randomFillSync } from 'node:crypto';
import type { RandomSource } from '../../hal/random.js';

export const nodeRandom: RandomSource = Object.freeze({
  fill(bytes: Uint8Array): Uint8Array {
    return randomFillSync(bytes);
  },
});
