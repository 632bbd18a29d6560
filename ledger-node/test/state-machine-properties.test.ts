/**
 * Properties of the state machine over random logs (fast-check): Wh conserved, no asset
 * allocated twice, no expired asset allocated, assets move only by their owner's signature
 * or by allocation, a rejected transaction changes nothing, and two independent machines fed
 * the same log end on the same head and state root.
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { readingHash, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerMachine } from '../src/core/machine.js';
import { prepareTx } from '../src/core/prepare.js';
import type { AllocateEvent, LedgerEvent } from '../src/core/events.js';
import type { LedgerState } from '../src/core/state.js';
import { commandArb, RandomLedger, type Command } from './helpers/random-log.js';

interface Run {
  readonly machine: LedgerMachine;
  readonly batches: Uint8Array[][];
  readonly events: Array<{ event: LedgerEvent; signer: string | undefined; type: string | undefined }>;
  readonly issuedWh: Map<string, number>;
  readonly statuses: Map<string, number>;
}

function run(commands: readonly Command[], t: Test): Run {
  const log = new RandomLedger();
  const machine = new LedgerMachine(log.genesis);
  const batches: Uint8Array[][] = [];
  const events: Run['events'] = [];
  const issuedWh = new Map<string, number>();
  const statuses = new Map<string, number>();
  let position = 0;
  const apply = (txs: Uint8Array[]): void => {
    batches.push(txs);
    const before = snapshot(machine.state);
    const applied = machine.applyBatch(++position, txs.map(prepareTx), nodeEd25519);
    applied.outcomes.forEach((o, i) => {
      const readings = o.status === 'applied' && o.type === 'issue-asset' ? prepareTx(txs[i]!).readings?.readings ?? [] : [];
      for (const r of readings) if (r.exportedWh > 0) issuedWh.set(toHex(readingHash(r)), r.exportedWh);
      statuses.set(o.code ?? o.status, (statuses.get(o.code ?? o.status) ?? 0) + 1);
      for (const event of o.events) {
        events.push({ event, signer: o.signer, type: o.type });
        statuses.set(`event:${event.kind}`, (statuses.get(`event:${event.kind}`) ?? 0) + 1);
      }
    });
    if (txs.length === 1 && applied.outcomes[0]!.status !== 'applied') {
      if (applied.changes.length !== 0 || snapshot(machine.state) !== before) t.fail(`rejected ${applied.outcomes[0]!.type} (${applied.outcomes[0]!.code}) changed the state`);
    }
  };
  apply(log.setup);
  for (const command of commands) {
    const tx = log.materialize(command, machine.state);
    if (tx !== undefined) apply([tx]);
  }
  return { machine, batches, events, issuedWh, statuses };
}

/** Cheap fingerprint of the records that a rejection must not touch. */
function snapshot(state: LedgerState): string {
  let wh = 0;
  for (const a of state.assets.values()) wh += a.wh * (a.status.length + 1) + a.owner.charCodeAt(0);
  let usage = 0;
  for (const u of state.allUsage()) usage += u.wh;
  let seqs = 0;
  for (const m of state.meters.values()) seqs += m.lastSeq;
  return `${state.assets.size}/${wh}/${usage}/${seqs}/${state.histories.size}/${state.contracts.size}/${state.policies.size}/${state.clocks.size}`;
}

t.test('random logs keep every invariant', async (t) => {
  const roots = new Map<string, number>();
  fc.assert(
    fc.property(fc.array(commandArb, { minLength: 10, maxLength: 60 }), (commands) => {
      const a = run(commands, t);
      const { state } = a.machine;

      // Wh conserved: the pieces of every root add up to its reading.
      const byRoot = new Map<string, number>();
      for (const asset of state.assets.values()) byRoot.set(asset.root, (byRoot.get(asset.root) ?? 0) + asset.wh);
      if (byRoot.size !== a.issuedWh.size) throw new Error(`${a.issuedWh.size} readings issued, ${byRoot.size} roots on the ledger`);
      for (const [root, wh] of byRoot) {
        if (wh !== a.issuedWh.get(root)) throw new Error(`root ${root}: pieces hold ${wh} Wh, the reading ${a.issuedWh.get(root)} Wh`);
      }

      // No asset allocated twice; no Wh range of a root in two allocations.
      const allocations = a.events.filter((e): e is typeof e & { event: AllocateEvent } => e.event.kind === 'allocate');
      const ids = new Set<string>();
      const ranges = new Map<string, Array<[number, number]>>();
      for (const { event } of allocations) {
        if (ids.has(event.assetId)) throw new Error(`asset ${event.assetId} allocated twice`);
        ids.add(event.assetId);
        const list = ranges.get(event.root) ?? [];
        for (const [s, e] of list) if (event.offset < e && s < event.offset + event.wh) throw new Error(`overlapping allocation of ${event.root}`);
        list.push([event.offset, event.offset + event.wh]);
        ranges.set(event.root, list);
        // No expired asset allocated.
        const expiry = event.productionInterval + a.machine.genesis.assetLifetimeS;
        if (expiry <= event.closeInterval) throw new Error(`expired asset ${event.assetId} allocated at ${event.closeInterval}`);
        const piece = state.assets.get(event.assetId);
        if (piece?.status !== 'allocated' || piece.consumer !== event.consumer) throw new Error(`allocated piece ${event.assetId} is not recorded as allocated to ${event.consumer}`);
      }

      // Assets move only by their owner's signature (transfer) or by allocation (borrow + allocate).
      for (const { event, signer, type } of a.events) {
        if (event.kind !== 'transfer') continue;
        if (event.reason === 'owner' && (type !== 'transfer' || signer !== event.from)) throw new Error(`asset ${event.assetId} moved by ${signer} (${type}), owner ${event.from}`);
        if (event.reason === 'borrow') {
          if (type !== 'close-interval' || signer !== event.to) throw new Error(`borrow of ${event.assetId} not in the borrower's close-interval`);
          const rule = state.policies.get(event.from)?.rules.find((r) => r.to === event.to);
          if (rule === undefined) throw new Error(`borrow from ${event.from} without a policy admitting ${event.to}`);
        }
      }

      // Determinism: an independent machine fed the same batches ends on the same head.
      const b = new LedgerMachine(new RandomLedger().genesis);
      a.batches.forEach((txs, i) => b.applyBatch(i + 1, txs.map(prepareTx), nodeEd25519));
      if (b.head.hash !== a.machine.head.hash || b.head.stateRoot !== a.machine.head.stateRoot) throw new Error('two machines diverged on the same log');
      for (const [code, n] of a.statuses) roots.set(code, (roots.get(code) ?? 0) + n);
    }),
    { numRuns: 60, seed: 4242 },
  );
  // The generator must actually exercise rejections and allocations, or the properties say little.
  for (const code of ['applied', 'BAD_SIGNATURE', 'REPLAYED_READING', 'INTERVAL_ALREADY_CLOSED', 'event:allocate', 'event:borrow', 'event:transfer', 'event:expire', 'event:unmatched']) t.ok((roots.get(code) ?? 0) > 0, `outcome ${code} occurred (${roots.get(code) ?? 0})`);
  t.ok((roots.get('duplicate') ?? 0) > 0, 'replayed transactions were seen as duplicates');
});
