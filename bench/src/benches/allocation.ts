/**
 * `allocation`: one close-interval of an intermediary with 100,000 consumers (DESIGN §7).
 * The state (parties, meters, contracts, history, pooled assets, pending usage) is built
 * directly in memory: only the block holding the signed close-interval transaction is timed,
 * end to end through the state machine: signature check, allocation of every consumer,
 * splits, borrowing from a second intermediary, history, events Merkle root and state root.
 * The SQLite commit of that block is reported separately.
 * Judged by: allocationMs < 1000 for 100,000 consumers.
 * The heap is settled (full GC) before the clock starts; see settleHeap.
 * Options: --consumers N (default 100000)
 * Env: WL_PROFILE=FILE writes a V8 CPU profile of the timed section; WL_HEAP_PROFILE=FILE a
 * sample of its allocations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isRenewable, MeterRole, PartyRole, productionMethodByName, sha256, toHex, utf8 } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { applyPrepared, AssetStatus, buildBlock, hashes, hostLeafHasher, hostSha256, hostSha256Hex, LedgerMachine, LedgerStore, LedgerWorld, newAsset, prepareTx, startBlockLeaves, type Asset } from '@wattledger/ledger-node';
import type { BenchReport } from '../report.js';
import { startProfilesFromEnv, watchGc } from '../profiling.js';

/** Deterministic PRNG (mulberry32) so every run allocates the same world. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hexId = (label: string): string => toHex(sha256(utf8(label)).subarray(0, 8));
const hash = (label: string): string => toHex(sha256(utf8(label)));

/** One intermediary's state just before close-interval: pooled assets, contracts, history, pending usage. */
function build(consumers: number) {
  const random = prng(42);
  const world = new LedgerWorld({ provider: nodeEd25519, chainId: 'bench-allocation' });
  const D = world.actor('D', PartyRole.INTERMEDIARY);
  const lender = world.actor('D2', PartyRole.INTERMEDIARY);
  const machine = new LedgerMachine(world.genesis([D, lender]));
  const state = machine.state;
  const T = 1_790_000_000 - (1_790_000_000 % world.intervalS);
  const methods = ['solar', 'wind', 'hydro', 'biomass', 'oil', 'lng', 'coal'].map((n) => productionMethodByName(n)!.code);

  // 60 providers, 6000 producer meters, one asset each for interval T (some older, pooled).
  const providers: string[] = [];
  for (let p = 0; p < 60; p++) {
    const id = hexId(`provider-${p}`);
    providers.push(id);
    state.putParty({ id, role: PartyRole.PROVIDER, publicKey: sha256(utf8(`pk-provider-${p}`)), region: 'JP', name: `provider ${p}`, intermediary: D.id, height: 0 });
  }
  let producedWh = 0;
  const asset = (owner: string, meterId: string, producer: string, method: number, interval: number, wh: number, label: string): Asset => {
    const id = hash(label);
    return newAsset({ id, root: id, offset: 0, wh, meterId, producer, method, intervalStart: interval, expiry: interval + world.assetLifetimeS, sourceTx: id, issuedHeight: 0, owner, status: AssetStatus.OPEN, consumer: undefined, usageInterval: undefined });
  };
  for (let m = 0; m < 6000; m++) {
    const provider = providers[m % providers.length]!;
    const method = methods[(m % providers.length) % methods.length]!;
    const meterId = hexId(`producer-${m}`);
    state.putMeter({ id: meterId, publicKey: sha256(utf8(`pk-producer-${m}`)), role: MeterRole.PRODUCER, owner: provider, intermediary: D.id, productionMethod: method, ratedPowerW: 0, lastSeq: 0, lastReadingHash: '' });
    const wh = 5_000 + Math.floor(random() * 15_000);
    // Solar is scarce at D: most of it sits with the lender, to exercise step 3.
    const owner = isRenewable(method) && method === methods[0] && m % 3 !== 0 ? lender.id : D.id;
    producedWh += wh;
    state.putAsset(asset(owner, meterId, provider, method, T - world.intervalS * (m % 4), wh, `asset-${m}`));
  }
  state.putPolicy({ intermediary: lender.id, rules: [{ to: D.id, methods: [methods[0]!], priority: 0 }] });

  let usedWh = 0;
  for (let c = 0; c < consumers; c++) {
    const id = hexId(`consumer-${c}`);
    const meterId = hexId(`consumer-meter-${c}`);
    state.putParty({ id, role: PartyRole.CONSUMER, publicKey: sha256(utf8(`pk-consumer-${c}`)), region: 'JP', name: `consumer ${c}`, intermediary: D.id, height: 0 });
    state.putMeter({ id: meterId, publicKey: sha256(utf8(`pk-cm-${c}`)), role: MeterRole.CONSUMER, owner: id, intermediary: D.id, productionMethod: 0, ratedPowerW: 0, lastSeq: 0, lastReadingHash: '' });
    const selected = [providers[c % 60]!, providers[(c * 7 + 3) % 60]!, providers[(c * 13 + 5) % 60]!].filter((p, i, all) => all.indexOf(p) === i);
    state.putContract({ consumer: id, intermediary: D.id, periodStart: 0, periodEnd: 0xffffffff, plannedWhPerHour: 800, targetPercent: [0, 20, 40, 60, 80, 100][c % 6]!, providers: selected, granular: c % 10 === 0, txId: hash(`contract-${c}`) });
    const past = 10_000 + Math.floor(random() * 50_000);
    state.addHistory(id, methods[c % methods.length]!, past);
    const wh = 100 + Math.floor(random() * 700);
    usedWh += wh;
    state.putUsage({ key: `${D.id}|${T}|${id}`, intermediary: D.id, consumer: id, intervalStart: T, wh });
  }
  state.takeChanges();
  return { world, D, machine, state, T, usedWh, producedWh };
}

/** A close of its own world, returned from so nothing of it stays reachable. */
function warmUp(consumers: number): void {
  const warm = build(consumers);
  warm.machine.applyBatch(1, [prepareTx(warm.world.close(warm.D, warm.T))], nodeEd25519);
}

/**
 * A full garbage collection before the clock starts, so the debris of building the world is
 * not charged to the close (the close's own garbage, scavenges and any major collection it
 * triggers, stay inside the timed section).
 */
function settleHeap(): void {
  v8.setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export default async function allocation(args: string[]): Promise<BenchReport> {
  // As the node shell does: its SHA-256 behind the core's slot, events hashed on a worker thread.
  hashes.sha256 = hostSha256;
  hashes.sha256Hex = hostSha256Hex;
  hashes.merkleLeaves = hostLeafHasher.hash;
  const flag = args.indexOf('--consumers');
  const consumers = flag >= 0 ? Number(args[flag + 1]) : 100_000;
  // One close of the same size first, on a ledger of its own (dropped before the timed one),
  // as in a node that has been running: its code JIT-compiled, its reused buffers (events,
  // leaf hashing) grown to a close's size.
  warmUp(consumers);
  const { world, D, machine, state, T, usedWh, producedWh } = build(consumers);

  // The steps of LedgerMachine.applyBatch, timed one by one.
  const close = prepareTx(world.close(D, T));
  const stopProfiles = await startProfilesFromEnv();
  const gc = watchGc();
  settleHeap();
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const outcome = applyPrepared(state, close, { verifier: nodeEd25519, height: 1 });
  const appliedAt = performance.now();
  const allocateCpu = process.cpuUsage(cpuStart);
  const leaves = startBlockLeaves([outcome]);
  const leavesAt = performance.now();
  const changes = state.takeChanges();
  const encodedAt = performance.now();
  const block = buildBlock({ chainId: world.chainId, height: 1, prevHash: machine.head.hash, position: 1, prevStateRoot: machine.head.stateRoot, outcomes: [outcome], changes, leaves });
  const allocationMs = performance.now() - started;
  const ended = started + allocationMs;
  const cpu = process.cpuUsage(cpuStart);
  const allocationCpuMs = (cpu.user + cpu.system) / 1000;
  await stopProfiles();
  const gcs = await gc.stop(started, ended);
  const gcMs = gcs.pauseMs;
  const majorGcs = gcs.majors;
  const applied = { block, outcomes: [outcome], changes };
  if (outcome.status !== 'applied') throw new Error(`close-interval was ${outcome.status}: ${outcome.reason}`);

  const events = outcome.events;
  const allocations = events.filter((e) => e.kind === 'allocate').length;
  const borrowed = events.filter((e) => e.kind === 'borrow').length;
  const unmatched = events.filter((e) => e.kind === 'unmatched').reduce((s, e) => s + e.wh, 0);
  const matched = events.filter((e) => e.kind === 'allocate').reduce((s, e) => s + e.wh, 0);
  if (matched + unmatched !== usedWh) throw new Error(`conservation broken: ${matched} + ${unmatched} != ${usedWh}`);

  const dir = mkdtempSync(join(tmpdir(), 'wl-alloc-'));
  let commitMs: number;
  try {
    const store = new LedgerStore(join(dir, 'ledger.sqlite'));
    const commitStart = performance.now();
    store.commitBlock(applied, [close]);
    commitMs = performance.now() - commitStart;
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  return {
    name: 'allocation',
    judgedBy: 'allocationMs < 1000 for one interval of 100,000 consumers',
    rows: [
      { metric: 'consumers', value: consumers },
      { metric: 'producer assets', value: 6000, note: `${(producedWh / 1e6).toFixed(1)} MWh pooled` },
      { metric: 'usage', value: usedWh / 1000, unit: 'kWh' },
      { metric: 'allocations', value: allocations, note: `${borrowed} via the lender's policy` },
      { metric: 'unmatched', value: unmatched / 1000, unit: 'kWh' },
      { metric: 'state changes', value: applied.changes.length },
      { metric: 'allocationMs', value: allocationMs, unit: 'ms', note: 'the close-interval block, all of it:' },
      { metric: '  allocate', value: appliedAt - started, unit: 'ms', note: `state machine, steps 1-5 for every consumer (CPU ${Math.round((allocateCpu.user + allocateCpu.system) / 1000)} ms)` },
      { metric: '  events', value: leavesAt - appliedAt, unit: 'ms', note: 'events encoded, handed to the leaf-hashing thread' },
      { metric: '  encode changes', value: encodedAt - leavesAt, unit: 'ms', note: 'canonical bytes of every changed record (the events hash meanwhile)' },
      { metric: '  block', value: allocationMs - (encodedAt - started), unit: 'ms', note: 'state root, wait for the events root, header' },
      { metric: '  of which GC', value: gcMs, unit: 'ms', note: `${gcs.count} collections on the main thread, ${majorGcs} of them full` },
      { metric: 'allocationCpuMs', value: allocationCpuMs, unit: 'ms', note: 'CPU time of the same (the host is shared)' },
      { metric: 'commitMs', value: commitMs, unit: 'ms', note: 'SQLite commit of that block (not judged)' },
      { metric: 'block', value: 1, note: `hash ${block.hash}, state root ${block.header.stateRoot}` },
    ],
    figures: { consumers, allocations, borrowed, allocationMs: Math.round(allocationMs), allocateMs: Math.round(appliedAt - started), allocateCpuMs: Math.round((allocateCpu.user + allocateCpu.system) / 1000), allocationCpuMs: Math.round(allocationCpuMs), gcMs: Math.round(gcMs), majorGcs, commitMs: Math.round(commitMs), blockHash: block.hash, withinBudget: allocationMs < 1000 },
  };
}
