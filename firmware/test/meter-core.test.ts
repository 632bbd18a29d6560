/** The meter core (core/meter-core.ts): keys, sequence reservation, chain, queue, acks, config. */
import t from 'tap';
import { decodeSignedReadings, readingHash, ReadingFlag, verifySignedReadings, ZERO_HASH, chainLinks } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { MemoryStorage } from '../src/adapters/memory-storage.js';
import { SeededRandom } from '../src/adapters/seeded-random.js';
import { MeterCore } from '../src/core/meter-core.js';
import { signMeterConfig } from '../src/core/meter-config.js';
import { StorageKey } from '../src/core/meter-state.js';
import { INTERMEDIARY, memoryCore, provisioning, T0 } from './support/fixtures.js';

const HALF_HOUR = 1_800_000;

/** Samples at each boundary from `from` for `n` intervals, exporting 1 Wh + i mWh per interval. */
function drive(core: MeterCore, n: number, from = 0, monoBase = 0, exportBase = 0) {
  const sealed = [];
  for (let i = 0; i <= n; i++) {
    const r = core.sample({ wallMs: T0 + (from + i) * HALF_HOUR + 5, monoMs: monoBase + i * HALF_HOUR, synced: true, source: { importedMWh: 0, exportedMWh: exportBase + i * 1_500 } });
    if (r.sealed) sealed.push(r.sealed);
  }
  return sealed;
}

t.test('first boot generates the key from the random source and persists it; reboots keep it', async (t) => {
  const { core, storage } = memoryCore({}, 7);
  const expectedSecret = new SeededRandom(7).fill(new Uint8Array(32));
  t.same(storage.imageAfterPowerCut().kv.get(StorageKey.SECRET_KEY), expectedSecret, 'the secret is flushed at first boot');
  t.same(core.publicKey, nodeEd25519.publicKeyOf(expectedSecret));
  const again = new MeterCore({ storage: new MemoryStorage(storage.imageAfterPowerCut()), random: new SeededRandom(99), ed25519: nodeEd25519 });
  t.equal(again.meterId, core.meterId, 'the same meter after a reboot, without provisioning again');
  t.throws(() => new MeterCore({ storage: new MemoryStorage(), random: new SeededRandom(1), ed25519: nodeEd25519 }), { code: 'NOT_PROVISIONED' });
});

t.test('sealed readings are signed, chained from zeros, and verify with the protocol package', async (t) => {
  const { core } = memoryCore();
  const sealed = drive(core, 4);
  t.equal(sealed.length, 4);
  t.same(sealed.map((s) => s.seq), [1, 2, 3, 4]);
  t.same(sealed[0]!.reading.prevHash, ZERO_HASH, 'the chain starts with zeros');
  for (let i = 1; i < sealed.length; i++) t.ok(chainLinks(sealed[i - 1]!.reading, sealed[i]!.reading), `reading ${i + 1} links to ${i}`);
  for (const s of sealed) {
    const decoded = decodeSignedReadings(s.signed);
    verifySignedReadings(decoded, core.publicKey, nodeEd25519);
    t.same(decoded.readings[0], s.reading);
    t.ok(s.signed.length <= 160, `signed reading is ${s.signed.length} bytes (budget 160)`);
  }
  t.same(sealed.map((s) => s.reading.exportedWh), [1, 2, 1, 2], 'Wh telescope from 1.5 Wh per interval');
  t.equal(sealed[0]!.reading.productionMethod, 1);
});

t.test('sequence numbers are reserved in blocks: a reboot continues above the reserved block', async (t) => {
  const { core, storage } = memoryCore({ seqBlock: 10 });
  drive(core, 3);
  const rebooted = new MeterCore({ storage: new MemoryStorage(storage.imageAfterPowerCut()), random: new SeededRandom(1), ed25519: nodeEd25519, seqBlock: 10 });
  const sealed = drive(rebooted, 2, 10, 0, 0);
  t.same(sealed.map((s) => s.seq), [11, 12, 13], 'seqs 4..10 were reserved and are skipped, never reused');
  t.equal(sealed[0]!.reading.intervalStart, T0 / 1000 + 3 * 1800, 'the interval open at the power cut is closed first');
  t.same(sealed[0]!.reading.prevHash, readingHash(decodeSignedReadings(core.batchAfter(2, 1)!.bytes).readings[0]!), 'the chain continues across the reboot');
  t.ok(sealed[0]!.reading.flags & ReadingFlag.POWER_LOSS, 'the interval of the reboot is flagged POWER_LOSS');
});

t.test('acks remove readings up to the acked seq; nothing beyond the newest is accepted', async (t) => {
  const { core } = memoryCore();
  drive(core, 5);
  t.same(core.acknowledge(9), { ok: false, reason: 'ack 9 is beyond the newest reading 5' });
  t.same(core.acknowledge(3), { ok: true, removed: 3 });
  t.same(core.acknowledge(2), { ok: true, removed: 0 }, 'a stale ack removes nothing');
  t.equal(core.queueSize(), 2);
  t.equal(core.oldestQueuedSeq(), 4);
});

t.test('a backlog is sent as one batch with one signature; a single reading as stored', async (t) => {
  const { core } = memoryCore({ maxBatch: 3 });
  const sealed = drive(core, 5);
  const single = core.batchAfter(4)!;
  t.same(single.bytes, sealed[4]!.signed);
  const batch = core.batchAfter(0)!;
  t.same([batch.firstSeq, batch.lastSeq, batch.count], [1, 3, 3]);
  const decoded = decodeSignedReadings(batch.bytes);
  verifySignedReadings(decoded, core.publicKey, nodeEd25519);
  t.same(decoded.readings, sealed.slice(0, 3).map((s) => s.reading));
  t.equal(core.batchAfter(5), undefined);
});

t.test('full queue: no reading is dropped; the energy is carried into the next reading, flagged ESTIMATED', async (t) => {
  const { core } = memoryCore({ queueCapacity: 3 });
  const sealedWhileFull = drive(core, 6);
  t.same(sealedWhileFull.map((s) => s.seq), [1, 2, 3], 'three readings fill the queue');
  t.equal(core.snapshot().folded, 3, 'three intervals were carried forward');
  t.same(core.batchAfter(0)!.count, 3, 'the queued readings are all still there');
  core.acknowledge(3);
  const next = drive(core, 1, 7, 7 * HALF_HOUR, 6 * 1_500).filter((s) => s.seq === 4);
  t.equal(next.length, 1);
  t.ok(next[0]!.reading.flags & ReadingFlag.ESTIMATED, 'flagged ESTIMATED');
  t.equal(next[0]!.reading.exportedWh, Math.floor(6 * 1.5) - Math.floor(3 * 1.5), 'it carries every Wh since reading 3');
});

t.test('signed config: applied once, persisted, survives reboot; the same retained message is a no-op', async (t) => {
  const { core, storage } = memoryCore();
  const config = signMeterConfig({ intervalLength: 900, brokerUrl: 'mqtt://other:1884', serial: 1, meterId: core.meterId }, INTERMEDIARY);
  const r = core.applyConfig(config);
  t.ok(r.ok && r.changed && r.brokerChanged);
  t.equal(core.intervalLength(), 900);
  t.equal(core.brokerUrl(), 'mqtt://other:1884');
  const again = core.applyConfig(config);
  t.ok(again.ok && !again.changed, 'the retained config redelivered on reconnect changes nothing');
  const rebooted = new MeterCore({ storage: new MemoryStorage(storage.imageAfterPowerCut()), random: new SeededRandom(1), ed25519: nodeEd25519 });
  t.equal(rebooted.brokerUrl(), 'mqtt://other:1884');
  t.equal(rebooted.appliedConfig()?.serial, 1);
});

t.test('a consumer meter reads imports with production method 0', async (t) => {
  const { core } = memoryCore({ provisioning: provisioning({ role: 'consumer', productionMethod: undefined }) });
  const r0 = core.sample({ wallMs: T0, monoMs: 0, synced: true, source: { importedMWh: 0, exportedMWh: 0 } });
  t.same(r0, {});
  const r = core.sample({ wallMs: T0 + HALF_HOUR, monoMs: HALF_HOUR, synced: true, source: { importedMWh: 250_400, exportedMWh: 0 } });
  t.same([r.sealed?.reading.importedWh, r.sealed?.reading.productionMethod], [250, 0]);
});
