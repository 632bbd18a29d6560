/**
 * JP7803395B2's worked example: consumer Ca (target 40 %, providers solar Aa and oil Ab,
 * history solar 20 kWh / oil 160 kWh) gets solar; Da lacks it, Db's policy admits Da, so Db's
 * solar moves Db -> Da -> Ca. Without the policy Ca falls back to oil.
 */
import t from 'tap';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerMachine, prepareTx, type AllocateEvent, type LedgerEvent } from '../src/core/index.js';
import { OIL, patentWorld, SOLAR, T3 } from './helpers/patent-world.js';

function run(withPolicy: boolean) {
  const w = patentWorld({ withPolicy });
  const machine = new LedgerMachine(w.genesis);
  let position = 0;
  const events: LedgerEvent[][] = [];
  for (const batch of [w.setup, w.interval1, w.interval2, w.interval3]) {
    const applied = machine.applyBatch(++position, batch.map(prepareTx), nodeEd25519);
    for (const o of applied.outcomes) if (o.status !== 'applied') throw new Error(`${o.type} ${o.code}: ${o.reason}`);
    events.push(applied.outcomes.flatMap((o) => o.events));
  }
  return { w, machine, events };
}

t.test('history before interval 3 is solar 20 kWh / oil 160 kWh', async (t) => {
  const { w, machine } = run(true);
  const h = machine.state.histories.get(w.actors.Ca.id)!;
  t.equal(h.byMethod.get(SOLAR), 30_000, 'solar 20 kWh + 10 kWh of interval 3');
  t.equal(h.byMethod.get(OIL), 160_000);
  t.equal(h.totalWh, 190_000);
});

t.test('with Db policy: Db solar moves Db -> Da -> Ca', async (t) => {
  const { w, events } = run(true);
  const { Da, Db, Ca } = w.actors;
  const last = events[3]!;
  const borrow = last.filter((e) => e.kind === 'borrow');
  t.same(borrow, [{ kind: 'borrow', borrower: Da.id, lender: Db.id, consumer: Ca.id, method: SOLAR, wh: 10_000, closeInterval: T3 }]);
  const transfer = last.filter((e) => e.kind === 'transfer');
  t.equal(transfer.length, 1);
  t.match(transfer[0], { from: Db.id, to: Da.id, wh: 10_000, reason: 'borrow' });
  const allocate = last.filter((e): e is AllocateEvent => e.kind === 'allocate');
  t.equal(allocate.length, 1);
  t.match(allocate[0], { consumer: Ca.id, method: SOLAR, wh: 10_000, lender: Db.id, meterId: w.meters.solarAc.id });
});

t.test('without a policy: Ca falls back to oil', async (t) => {
  const { w, machine, events } = run(false);
  const allocate = events[3]!.filter((e): e is AllocateEvent => e.kind === 'allocate');
  t.same(allocate.map((e) => [e.method, e.wh, e.lender]), [[OIL, 10_000, null]]);
  t.equal(events[3]!.filter((e) => e.kind === 'borrow').length, 0);
  const h = machine.state.histories.get(w.actors.Ca.id)!;
  t.equal(h.byMethod.get(SOLAR), 20_000);
  t.equal(h.byMethod.get(OIL), 170_000);
});
