/** The random seam on the ESP32 hardware RNG (native `hw-random` module, esp_fill_random). */
import fill from 'hw-random';
import type { RandomSource } from '../../hal/random.js';

export const hardwareRandom: RandomSource = {
  fill(bytes: Uint8Array): Uint8Array {
    const buffer = new ArrayBuffer(bytes.length);
    fill(buffer);
    bytes.set(new Uint8Array(buffer));
    return bytes;
  },
};
