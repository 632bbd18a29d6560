/** The random contract (hal/random.ts) against node:crypto and the seeded generator. */
import t from 'tap';
import { randomUnit, type RandomSource } from '../src/hal/random.js';
import { hashUnit, SeededRandom } from '../src/adapters/seeded-random.js';
import { nodeRandom } from '../src/platform/node/node-random.js';

for (const [name, source] of [['nodeRandom', nodeRandom], ['SeededRandom', new SeededRandom(42)]] as Array<[string, RandomSource]>) {
  t.test(`${name}: fills the array it is given`, async (t) => {
    const bytes = new Uint8Array(64);
    t.equal(source.fill(bytes), bytes);
    t.ok(bytes.some((b) => b !== 0), 'not all zero');
    const counts = new Uint32Array(256);
    for (let i = 0; i < 200; i++) for (const b of source.fill(new Uint8Array(64))) counts[b]!++;
    t.ok(counts.every((c) => c > 10 && c < 120), 'every byte value appears at a plausible rate (12 800 bytes)');
    const units = Array.from({ length: 1000 }, () => randomUnit(source));
    t.ok(units.every((u) => u >= 0 && u < 1), 'randomUnit is in [0, 1)');
    t.ok(Math.abs(units.reduce((a, b) => a + b, 0) / 1000 - 0.5) < 0.06, 'randomUnit mean near 0.5');
  });
}

t.test('SeededRandom and hashUnit are deterministic', async (t) => {
  t.same(new SeededRandom(7).fill(new Uint8Array(16)), new SeededRandom(7).fill(new Uint8Array(16)));
  t.notSame(new SeededRandom(7).fill(new Uint8Array(16)), new SeededRandom(8).fill(new Uint8Array(16)));
  t.equal(hashUnit(3, 12345), hashUnit(3, 12345));
  t.not(hashUnit(3, 12345), hashUnit(3, 12346));
  t.throws(() => new SeededRandom(1.5), TypeError);
});
