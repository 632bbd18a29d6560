/**
 * The end-to-end demo, shortened (six simulated hours around sunrise, in a few seconds), all
 * real: ledger node, two gateways with embedded aedes, the firmware meters over MQTT. Its
 * numbers — the consumers' own signed readings and the allocation events — must equal the
 * ledger's own aggregates (`GET /v1/history`, borrow events) and the certificate application,
 * which must verify offline; Ca must have received solar borrowed from Db (the patent's path).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { productionMethodByName } from '@wattledger/protocol';
import { runDemo, type DemoContext } from '../src/demo/run-demo.js';
import { DEFAULT_START_MS } from '../src/demo/options.js';
import { partyOf } from '../src/demo/cast.js';
import { getJson } from '../src/demo/ledger-api.js';
import { PATENT_SCENARIO } from '../src/demo/scenario.js';
import { plainProgress } from '../src/demo/progress.js';

const SOLAR = productionMethodByName('solar')!.code;

interface HistoryView {
  byMethod: Array<{ method: number; wh: number }>;
  renewableWh: number;
  totalWh: number;
  unmatchedWh: number;
  renewablePercent: number;
}

interface EventView {
  kind: string;
  consumer?: string;
  lender?: string | null;
  borrower?: string;
  method?: number;
  wh: number;
  meterId?: string;
  usageInterval?: number;
}

const dir = mkdtempSync(join(tmpdir(), 'wl-demo-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('demo, six hours from 04:00 UTC: table = meters = ledger history = certificate; Ca borrows Db solar', async (t) => {
  const progressLines: string[] = [];
  let inspected: DemoContext | undefined;
  const checks: Array<() => void> = [];
  const result = await runDemo({
    startMs: DEFAULT_START_MS + 4 * 3_600_000,
    hours: 6,
    speed: 5400,
    outDir: join(dir, 'out'),
    progress: plainProgress((line) => progressLines.push(line), 2),
    inspect: async (context) => {
      inspected = context;
      const { ledgerUrl, cast, result: r } = context;
      for (const row of r.consumers) {
        const history = await getJson<HistoryView>(ledgerUrl, `/v1/history/${row.id}`);
        checks.push(() => {
          t.equal(row.meteredWh, history.totalWh, `${row.name}: every Wh the meter signed is accounted for on the ledger`);
          t.equal(row.accountedWh, history.totalWh, `${row.name}: allocated + unmatched events = history total`);
          t.equal(row.renewableWh, history.renewableWh, `${row.name}: renewable Wh`);
          t.equal(row.unmatchedWh, history.unmatchedWh, `${row.name}: unmatched Wh`);
          t.same(row.byMethod, history.byMethod.filter((m) => m.method !== 0).map((m) => ({ method: m.method, wh: m.wh })), `${row.name}: Wh by method`);
          t.ok(Math.abs(row.achievedPercent - history.renewablePercent) < 1e-9, `${row.name}: share ${row.achievedPercent.toFixed(2)} %`);
        });
      }
      // The borrow events (the inter-intermediary request) agree with the allocations that name a lender.
      const ca = partyOf(cast, 'Ca');
      const da = partyOf(cast, 'Da');
      const db = partyOf(cast, 'Db');
      const events: EventView[] = [];
      for (let s = r.periodStartS; s < r.periodEndS; s += PATENT_SCENARIO.intervalS) {
        events.push(...(await getJson<{ events: EventView[] }>(ledgerUrl, `/v1/allocations?intermediary=${da.id}&interval=${s}`)).events);
      }
      const borrowedWh = events.filter((e) => e.kind === 'borrow' && e.consumer === ca.id && e.lender === db.id && e.borrower === da.id && e.method === SOLAR).reduce((n, e) => n + e.wh, 0);
      const fromDbMeters = new Set(events.filter((e) => e.kind === 'allocate' && e.lender === db.id).map((e) => e.meterId));
      const meters = await getJson<{ meters: Array<{ id: string; owner: string }> }>(ledgerUrl, `/v1/meters?intermediary=${db.id}`);
      const acMeter = meters.meters.find((m) => m.owner === partyOf(cast, 'Ac').id)?.id;
      checks.push(() => {
        const row = r.consumers.find((c) => c.name === 'Ca')!;
        const tallied = row.borrowed.filter((b) => b.lender === db.id && b.method === SOLAR).reduce((n, b) => n + b.wh, 0);
        t.ok(tallied > 0, `Ca got ${tallied} Wh of solar borrowed from Db`);
        t.equal(borrowedWh, tallied, 'borrow events Db -> Da for Ca = allocations to Ca with lender Db');
        t.same([...fromDbMeters], [acMeter], "the borrowed Wh come from Db's solar farm Ac");
      });
    },
  });
  t.ok(inspected, 'inspected while the ledger was running');
  for (const check of checks) check();

  t.equal(result.consumers.length, PATENT_SCENARIO.consumers.length);
  const intervals = (6 * 3600) / PATENT_SCENARIO.intervalS;
  const meters = PATENT_SCENARIO.producers.length + PATENT_SCENARIO.consumers.length;
  t.ok(result.readings.sealed >= intervals * meters, `every meter signed all ${intervals} intervals (${result.readings.sealed} readings)`);
  t.same(result.readings.rejected, {}, 'the gateways refused nothing');
  t.same(result.readings.intervalsClosed, { Da: intervals, Db: intervals }, 'each gateway closed every interval');
  for (const row of result.consumers) t.match(result.table, new RegExp(`${row.name} .*${row.meteredWh.toLocaleString('en-US')}`), `table shows ${row.name}'s metered Wh`);
  t.ok(progressLines.length >= 3, 'plain progress lines when not on a terminal');

  const cert = result.certificate;
  t.ok(cert.check.ok, `certificate verifies offline: ${cert.check.errors.join('; ')}`);
  const ca = result.consumers.find((c) => c.name === 'Ca')!;
  t.equal(cert.check.claim?.usageWh, ca.meteredWh, "certificate usage = Ca's signed readings");
  t.equal(cert.check.claim?.renewableWh, ca.renewableWh, 'certificate renewable Wh = table');
  t.same(cert.check.claim?.byMethod, ca.byMethod, 'certificate Wh by method = table');
  for (const file of [cert.jsonFile, cert.htmlFile, cert.headersFile, join(result.outDir, 'report.json'), join(result.outDir, 'report.txt')]) t.ok(existsSync(file), `wrote ${file.slice(dir.length)}`);
  t.match(readFileSync(cert.htmlFile, 'utf8'), /<html/i);
});
