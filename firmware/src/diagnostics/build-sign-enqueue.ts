/**
 * The firmware benchmark's measured path, host-neutral so the same code runs on Node and
 * inside XS: one sample that closes an interval, so the core builds the reading, signs it
 * (COSE_Sign1, Ed25519), chains it, appends it to the flash queue and flushes its state.
 */
import type { Ed25519Provider } from '@wattledger/protocol';
import { MemoryStorage } from '../adapters/memory-storage.js';
import { SeededRandom } from '../adapters/seeded-random.js';
import { MeterCore } from '../core/meter-core.js';
import { parseProvisioning } from '../core/provisioning.js';

export interface BuildSignEnqueueResult {
  /** Mean ms per reading of each round (the caller takes the median). */
  readonly msPerReadingByRound: number[];
  /** A single signed reading as published, bytes. */
  readonly bytesPerReading: number;
  /** A backlog batch of 48 readings (a day at 30 min, one signature), bytes per reading. */
  readonly bytesPerReadingBatched: number;
}

const START_S = 1_782_000_000;

export function measureBuildSignEnqueue(ed25519: Ed25519Provider, now: () => number, rounds = 7, readingsPerRound = 48): BuildSignEnqueueResult {
  const core = new MeterCore({
    storage: new MemoryStorage(), random: new SeededRandom(1), ed25519, queueCapacity: readingsPerRound * 2 + 64, maxBatch: 48,
    provisioning: parseProvisioning({
      role: 'producer', productionMethod: 'solar', intermediaryId: 'bench', brokerUrl: 'mqtt://127.0.0.1:1883', intervalLength: 900,
      intermediaryPublicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    }),
  });
  let step = 0;
  const sampleNext = (): void => {
    step++;
    core.sample({ wallMs: (START_S + step * 900) * 1000 + 3, monoMs: step * 900_000, synced: true, source: { importedMWh: step * 17, exportedMWh: step * 1_234_567 } });
  };
  sampleNext();
  const msPerReadingByRound: number[] = [];
  let bytesPerReadingBatched = 0;
  for (let round = 0; round <= rounds; round++) {
    const before = core.newestSeq();
    const t0 = now();
    for (let i = 0; i < readingsPerRound; i++) sampleNext();
    const elapsed = now() - t0;
    if (core.newestSeq() - before !== readingsPerRound) throw new Error('each sample must seal one reading');
    if (round > 0) msPerReadingByRound.push(elapsed / readingsPerRound);
    if (round === 0) {
      const batch = core.batchAfter(before, 48)!;
      bytesPerReadingBatched = batch.bytes.length / batch.count;
    }
    core.acknowledge(core.newestSeq() - 1);
  }
  const single = core.batchAfter(core.newestSeq() - 1, 1)!;
  return { msPerReadingByRound, bytesPerReading: single.bytes.length, bytesPerReadingBatched };
}
