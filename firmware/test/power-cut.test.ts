/**
 * Power cut at any storage operation (DESIGN §10): for hundreds of seeds the storage is cut
 * at random write or flush indices (keeping a random prefix of unflushed writes), the
 * meter reboots from what survived, and at the end:
 *  - no sequence number was ever used for two different readings;
 *  - every reading the meter made durable reached the gateway (none lost before its ack);
 *  - the hash chain the gateway holds is unbroken from the first reading;
 *  - the energy register never went back below its durable value, the readings add up
 *    exactly to the register, and at most the energy since the last persist is lost per cut.
 */
import t from 'tap';
import { decodeCbor, readingHash, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { MemoryStorage } from '../src/adapters/memory-storage.js';
import { SeededRandom } from '../src/adapters/seeded-random.js';
import { MeterCore } from '../src/core/meter-core.js';
import { decodeMeterState, StorageKey } from '../src/core/meter-state.js';
import { ChainGateway } from './support/chain-gateway.js';
import { FaultyStorage, PowerCut } from './support/faulty-storage.js';
import { provisioning, T0 } from './support/fixtures.js';

const SEEDS = Number(process.env.SEEDS ?? 300);
const STEPS = 100;
const BOOTS = 6;
const RATE_MWH_PER_S = 2; // 7.2 W constant export
const PERSIST_EVERY_MS = 10 * 60_000;
const MAX_STEP_MS = 20 * 60_000;

function durableRegister(storage: MemoryStorage): number {
  const reg = storage.imageAfterPowerCut().kv.get(StorageKey.STATE);
  return reg === undefined ? 0 : decodeMeterState(reg).exportedMWh;
}

function runSeed(seed: number): { cuts: number; injected: number; sealed: number; problems: string[] } {
  const rng = new SeededRandom(seed);
  const problems: string[] = [];
  const prov = provisioning({ intervalLength: 1800 });
  let image = new MemoryStorage().image();
  let wall = T0 + rng.below(900_000);
  let trueEnergy = 0; // mWh produced since the first boot
  let cuts = 0;
  let injected = 0;
  let gateway: ChainGateway | undefined;
  const seen = new Map<number, string>();
  const durable: Array<{ seq: number; hash: string }> = [];
  const note = (seq: number, hash: string, where: string): void => {
    const before = seen.get(seq);
    if (before !== undefined && before !== hash) problems.push(`seq ${seq} reused (${where})`);
    seen.set(seq, hash);
  };

  for (let boot = 0; boot < BOOTS; boot++) {
    const last = boot === BOOTS - 1;
    const inner = new MemoryStorage(image);
    const registerBefore = durableRegister(inner);
    const storage = new FaultyStorage(inner, last ? Infinity : rng.below(STEPS * 4));
    const sourceStart = trueEnergy;
    let mono = 0;
    try {
      const core = new MeterCore({ storage, random: rng, ed25519: nodeEd25519, provisioning: prov, seqBlock: 1 + rng.below(20), persistEveryMs: PERSIST_EVERY_MS, maxBatch: 1 + rng.below(30) });
      gateway ??= new ChainGateway(core.publicKey);
      for (let step = 0; step < (last ? STEPS / 2 : STEPS); step++) {
        const dt = 1000 + rng.below(MAX_STEP_MS);
        wall += dt;
        mono += dt;
        trueEnergy += Math.floor((dt / 1000) * RATE_MWH_PER_S);
        const result = core.sample({ wallMs: wall, monoMs: mono, synced: true, source: { importedMWh: 0, exportedMWh: trueEnergy - sourceStart } });
        if (step === 0 && core.snapshot().exportedMWh < registerBefore) problems.push(`boot ${boot}: register ${core.snapshot().exportedMWh} below durable ${registerBefore}`);
        if (result.sealed) {
          const hash = toHex(readingHash(result.sealed.reading));
          note(result.sealed.seq, hash, 'sealed');
          durable.push({ seq: result.sealed.seq, hash });
        }
        if (rng.next() < 0.3) {
          const batch = core.batchAfter(gateway.tip()?.seq ?? 0);
          if (batch) {
            const r = gateway.receive(batch.bytes);
            for (const reading of gateway.readings.slice(-r.accepted)) note(reading.seq, toHex(readingHash(reading)), 'received');
            if (r.gap) problems.push(`chain gap at the gateway after seq ${r.ack}`);
            if (r.ack !== undefined && rng.next() < 0.7) core.acknowledge(r.ack);
          }
        }
      }
      if (last) {
        for (let batch = core.batchAfter(gateway.tip()?.seq ?? 0); batch; batch = core.batchAfter(gateway.tip()?.seq ?? 0)) {
          const r = gateway.receive(batch.bytes);
          if (r.accepted === 0) {
            problems.push('drain made no progress');
            break;
          }
          core.acknowledge(r.ack!);
        }
        const chainWh = gateway.readings.reduce((sum, r) => sum + r.exportedWh, 0);
        const open = core.snapshot().open!;
        if (chainWh !== Math.floor(open.startExportedMWh / 1000)) problems.push(`readings add up to ${chainWh} Wh, register at the last reading is ${open.startExportedMWh} mWh`);
        const lostBound = cuts * RATE_MWH_PER_S * ((PERSIST_EVERY_MS + 2 * MAX_STEP_MS) / 1000);
        const register = core.snapshot().exportedMWh;
        if (register > trueEnergy) problems.push(`register ${register} exceeds the energy produced ${trueEnergy}`);
        if (trueEnergy - register > lostBound) problems.push(`lost ${trueEnergy - register} mWh over ${cuts} cuts (bound ${lostBound})`);
      }
    } catch (error) {
      if (!(error instanceof PowerCut)) throw error;
      injected++;
    }
    // Every boot but the last ends in a power cut: at the injected operation, or after its steps.
    if (!last) cuts++;
    image = inner.imageAfterPowerCut(rng.below(inner.pendingWrites() + 1));
  }
  const received = new Map(gateway!.readings.map((r) => [r.seq, toHex(readingHash(r))]));
  for (const d of durable) if (received.get(d.seq) !== d.hash) problems.push(`durable reading ${d.seq} never reached the gateway`);
  for (let i = 1; i < gateway!.readings.length; i++) if (gateway!.readings[i]!.seq <= gateway!.readings[i - 1]!.seq) problems.push('chain not ascending');
  return { cuts, injected, sealed: durable.length, problems };
}

t.test(`power cut at random storage operations, ${SEEDS} seeds`, async (t) => {
  let cuts = 0;
  let injected = 0;
  let sealed = 0;
  const failures: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = runSeed(seed);
    cuts += r.cuts;
    injected += r.injected;
    sealed += r.sealed;
    if (r.problems.length > 0) failures.push(`seed ${seed}: ${r.problems.slice(0, 3).join('; ')}`);
  }
  t.same(failures, [], 'every invariant holds for every seed');
  t.ok(injected > SEEDS * 2, `${injected} power cuts injected at a storage operation, ${cuts} in all`);
  t.ok(sealed > SEEDS * 30, `${sealed} readings sealed`);
});

t.test('the state record decodes as documented', async (t) => {
  const storage = new MemoryStorage();
  const core = new MeterCore({ storage, random: new SeededRandom(1), ed25519: nodeEd25519, provisioning: provisioning() });
  core.sample({ wallMs: T0, monoMs: 0, synced: true, source: { importedMWh: 0, exportedMWh: 0 } });
  const raw = decodeCbor(storage.get(StorageKey.STATE)!) as unknown[];
  t.equal(raw.length, 7);
  t.equal(raw[0], 1);
});
