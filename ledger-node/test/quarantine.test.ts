/**
 * Implausible-but-signed readings (issue #5): the ledger applies the gateway's plausibility rule
 * (protocol checkReadingPlausible) and quarantines instead of rejecting. The reading advances
 * the meter's chain, so the next one links, but it issues no asset and records no usage; a
 * `quarantined` event says why. The events of a close (and quarantines) come back from
 * GET /v1/allocations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { encodeCbor, issueAssetBody, MeterRole, PartyRole, readingHash, toHex, TxType } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerMachine } from '../src/core/machine.js';
import { prepareTx } from '../src/core/prepare.js';
import { LedgerWorld } from '../src/sim/ledger-world.js';
import { startLedgerNode } from '../src/start.js';
import { patentWorld, T3 } from './helpers/patent-world.js';

const SOLAR = 1;
const WIND = 2;
const T0 = 1_700_000_000 - (1_700_000_000 % 1800);

function setup(assetLifetimeS?: number) {
  const w = new LedgerWorld({ provider: nodeEd25519, chainId: 'quarantine', seed: 'quarantine', ...(assetLifetimeS ? { assetLifetimeS } : {}) });
  const Da = w.actor('Da', PartyRole.INTERMEDIARY);
  const Aa = w.actor('Aa', PartyRole.PROVIDER, Da);
  const Ca = w.actor('Ca', PartyRole.CONSUMER, Da);
  const solar = w.meter('solar', MeterRole.PRODUCER, Aa, Da, SOLAR, 2000); // 2 kW x 30 min = 1000 Wh at most
  const home = w.meter('home', MeterRole.CONSUMER, Ca, Da, 0, 4000);
  const genesis = w.genesis([Da]);
  const txs = [w.registerParty(Aa), w.registerParty(Ca), w.registerMeter(solar), w.registerMeter(home), w.contract(Ca, Da, { targetPercent: 100, providers: [Aa] })];
  return { w, Da, Aa, Ca, solar, home, genesis, txs };
}

t.test('quarantined readings keep the chain and credit nothing', async (t) => {
  const { w, Da, Ca, solar, home, genesis, txs } = setup();
  const machine = new LedgerMachine(genesis);
  let position = 0;
  const apply = (...batch: Uint8Array[]) => machine.applyBatch(++position, batch.map(prepareTx), nodeEd25519).outcomes;
  t.ok(apply(...txs).every((o) => o.status === 'applied'));

  const [implausible] = apply(w.issue(solar, T0, 1001));
  t.equal(implausible!.status, 'applied', 'not rejected');
  t.match(implausible!.events, [{ kind: 'quarantined', intermediary: Da.id, meterId: solar.id, seq: 1, intervalStart: T0, readingHash: toHex(solar.prevHash), reason: 'IMPLAUSIBLE_ENERGY' }]);
  t.equal(machine.state.assets.size, 0, 'no asset');
  t.equal(machine.state.meters.get(solar.id)!.lastSeq, 1, 'the chain advanced');

  const [next] = apply(w.issue(solar, T0 + 1800, 1000));
  t.equal(next!.status, 'applied', `the next reading links (${next!.code ?? 'ok'})`);
  t.equal(next!.events.length, 0);
  t.equal(machine.state.assets.get(toHex(solar.prevHash))?.wh, 1000, 'and issues its asset');

  const wrongMethod = w.reading(solar, T0 + 3600, 500);
  const [method] = apply(w.tx(TxType.ISSUE_ASSET, issueAssetBody(w.signed(solar, { ...wrongMethod, productionMethod: WIND })), Da));
  t.match(method!.events, [{ kind: 'quarantined', reason: 'METHOD_MISMATCH' }], 'a production method other than the registered one');
  // The meter signed the wind reading: its chain continues from that one.
  solar.prevHash = readingHash({ ...wrongMethod, productionMethod: WIND });

  // A batch is taken whole: the plausible readings issue assets, the implausible one is quarantined.
  const batch = [w.reading(solar, T0 + 5400, 100), w.reading(solar, T0 + 7200, 5000), w.reading(solar, T0 + 9000, 300)];
  const [mixed] = apply(w.tx(TxType.ISSUE_ASSET, issueAssetBody(w.signed(solar, batch)), Da));
  t.equal(mixed!.status, 'applied');
  t.same(mixed!.events.map((e) => e.kind === 'quarantined' && e.seq), [batch[1]!.seq]);
  t.same([batch[0]!, batch[2]!].map((r) => machine.state.assets.get(toHex(readingHash(r)))?.wh), [100, 300]);

  // A consumer's implausible usage is not usage: nothing is allocated for it.
  const [usage] = apply(w.usage(home, T0, 2001));
  t.match(usage!.events, [{ kind: 'quarantined', meterId: home.id, reason: 'IMPLAUSIBLE_ENERGY' }]);
  t.equal([...machine.state.allUsage()].filter((u) => u.consumer === Ca.id).length, 0, 'no pending usage');
  t.equal(apply(w.usage(home, T0 + 1800, 400))[0]!.status, 'applied', 'the consumer chain goes on');
  t.equal([...machine.state.allUsage()].find((u) => u.consumer === Ca.id)?.wh, 400);
});

t.test('GET /v1/allocations: events of a close, including transfers and expiries, and quarantines', async (t) => {
  const dirs: string[] = [];
  t.teardown(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const node = async (genesis: Parameters<typeof startLedgerNode>[0]['genesis']) => {
    const dir = mkdtempSync(join(tmpdir(), 'wl-quarantine-'));
    dirs.push(dir);
    const running = await startLedgerNode({ dataDir: dir, genesis, port: 0, verifyWorkers: 0 });
    t.teardown(() => running.close());
    const post = async (txs: Uint8Array[]) => {
      const response = await fetch(`${running.url}/v1/tx/batch`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: encodeCbor(txs) });
      const { results } = (await response.json()) as { results: Array<{ status: string; reason?: string }> };
      t.same(results.map((r) => r.status), txs.map(() => 'applied'), JSON.stringify(results.filter((r) => r.status !== 'applied')));
    };
    const allocations = async (query: string) => ((await (await fetch(`${running.url}/v1/allocations?${query}`)).json()) as { events: Array<Record<string, unknown>> }).events;
    return { post, allocations, url: running.url };
  };

  // The patent's interval 3: Da borrows Db's solar, so its close moves a piece Db -> Da.
  const p = patentWorld({ withPolicy: true, seed: 'allocations' });
  const patent = await node(p.genesis);
  for (const batch of [p.setup, p.interval1, p.interval2, p.interval3]) await patent.post(batch);
  const close3 = await patent.allocations(`intermediary=${p.actors.Da.id}&interval=${T3}`);
  t.same([...new Set(close3.map((e) => e['kind']))].sort(), ['allocate', 'borrow', 'transfer'], 'the close lists its borrow transfer');
  t.match(close3.find((e) => e['kind'] === 'transfer'), { from: p.actors.Db.id, to: p.actors.Da.id, reason: 'borrow' });
  // An owner's transfer transaction is listed under the intermediary it came from.
  const { Da, Db } = p.actors;
  const assets = (await (await fetch(`${patent.url}/v1/assets?owner=${Db.id}&status=open`)).json()) as { assets: Array<{ id: string; wh: number }> };
  const piece = assets.assets[0]!;
  await patent.post([p.world.transfer(piece.id, Db, Da, 1000)]);
  t.match((await patent.allocations(`intermediary=${Db.id}`)).find((e) => e['kind'] === 'transfer'), { from: Db.id, to: Da.id, reason: 'owner', wh: 1000 });

  // Assets that expire on the way of a close are listed with it; quarantines with the meter's intermediary.
  const q = setup(1800);
  const short = await node(q.genesis);
  await short.post([...q.txs, q.w.issue(q.solar, T0, 800), q.w.close(q.Da, T0)]);
  await short.post([q.w.usage(q.home, T0 + 1800, 500), q.w.issue(q.solar, T0 + 1800, 5000), q.w.close(q.Da, T0 + 1800)]);
  const close = await short.allocations(`intermediary=${q.Da.id}&interval=${T0 + 1800}`);
  t.match(close.find((e) => e['kind'] === 'expire'), { owner: q.Da.id, wh: 800 }, 'the asset that expired during the close');
  t.match(close.find((e) => e['kind'] === 'unmatched'), { consumer: q.Ca.id, wh: 500 });
  const recent = await short.allocations(`intermediary=${q.Da.id}`);
  t.match(recent.find((e) => e['kind'] === 'quarantined'), { meterId: q.solar.id, reason: 'IMPLAUSIBLE_ENERGY', intervalStart: T0 + 1800 });
});
