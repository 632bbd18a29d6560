/** Random seam: the device's hardware random source (ESP32 RNG, node:crypto). */

export interface RandomSource {
  /** Fills `bytes` with random bytes and returns it. */
  fill(bytes: Uint8Array): Uint8Array;
}

/** A uniform number in [0, 1) from 32 random bits (for backoff jitter, never for keys). */
export function randomUnit(random: RandomSource): number {
  const b = random.fill(new Uint8Array(4));
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 0x1_0000_0000;
}
