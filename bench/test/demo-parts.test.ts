/** The demo's pure parts: command line, progress lines, the per-consumer tally and its table. */
import t from 'tap';
import { productionMethodByName, type IntervalReading } from '@wattledger/protocol';
import { DEFAULT_START_MS, defaultOutName, parseDemoArgs, UsageError } from '../src/demo/options.js';
import { plainProgress, progressLine, type ProgressSnapshot } from '../src/demo/progress.js';
import { tallyConsumers, type AllocationEventView } from '../src/demo/tally.js';
import { formatConsumerTable } from '../src/demo/table.js';
import { createCast, meterSeed } from '../src/demo/cast.js';
import { PATENT_SCENARIO } from '../src/demo/scenario.js';

const SOLAR = productionMethodByName('solar')!.code;
const OIL = productionMethodByName('oil')!.code;
const HYDRO = productionMethodByName('hydro')!.code;

t.test('command line', async (t) => {
  t.match(parseDemoArgs([]), { startMs: DEFAULT_START_MS, hours: 24, speed: 4320, outDir: undefined, help: false });
  t.match(parseDemoArgs(['--hours', '6.5', '--start', '2026-03-01T06:30:00Z', '--speed', '600', '--out', 'x']), { startMs: Date.UTC(2026, 2, 1, 6, 30), hours: 6.5, speed: 600, outDir: 'x' });
  t.equal(parseDemoArgs(['--day-seconds', '40']).speed, 2160);
  t.equal(parseDemoArgs(['-h']).help, true);
  for (const [args, message] of [
    [['--hours'], /needs a value/],
    [['--hours', '--out'], /needs a value/],
    [['--hours', '0'], /positive/],
    [['--hours', '1.25'], /multiple of 0.5/],
    [['--start', 'yesterday'], /not a date/],
    [['--start', '2026-06-21T00:10:00Z'], /half hour/],
    [['--speed', '0.5'], /slower than real time/],
    [['--day-seconds', '5'], /at most 12000x/],
    [['--verbose'], /unknown option/],
  ] as const) {
    let error: unknown;
    try {
      parseDemoArgs(args);
    } catch (e) {
      error = e;
    }
    t.ok(error instanceof UsageError, `${args.join(' ')}: a usage error`);
    t.match((error as Error | undefined)?.message, message);
  }
  t.equal(defaultOutName(Date.UTC(2026, 10, 21, 10, 31, 36, 512)), 'demo-2026-11-21T10-31-36Z');
});

t.test('progress: a bar on a terminal, a plain line every few simulated hours otherwise', async (t) => {
  const at = (hours: number, sealed = 0): ProgressSnapshot => ({
    simNowMs: DEFAULT_START_MS + hours * 3_600_000, startMs: DEFAULT_START_MS, endMs: DEFAULT_START_MS + 24 * 3_600_000,
    sealed, acked: sealed, expected: 480, closed: [['Da', 2], ['Db', 3]], rejected: 0,
  });
  t.equal(progressLine(at(6, 120), true), '[#######.....................]  25 %  06:00 UTC  readings signed 120/480, acked 120  intervals closed Da 2, Db 3');
  t.match(progressLine({ ...at(30), rejected: 4 }, false), /^100 %  00:00 UTC .* rejected 4$/);
  const lines: string[] = [];
  const sink = plainProgress((line) => lines.push(line), 3);
  for (let h = 0; h <= 7; h += 0.25) sink.update(at(h));
  t.same(lines.map((l) => l.slice(0, 15)), [' 12 %  03:00 UTC', ' 25 %  06:00 UTC'].map((l) => l.slice(0, 15)));
  sink.end();
  t.match(lines.at(-1), /^ 29 %  07:00 UTC/, 'the last state is printed at the end');
  sink.end();
  t.equal(lines.length, 3, 'nothing more after the end');
});

function usage(meterId: string, intervalStart: number, wh: number): IntervalReading {
  return { version: 1, meterId, seq: 1, intervalStart, intervalLength: 1800, importedWh: wh, exportedWh: 0, flags: 0, productionMethod: 0, prevHash: new Uint8Array(32) };
}

t.test('tally: allocations and unmatched per consumer within the period; borrowed per lender', async (t) => {
  const T = 1_782_000_000;
  const events: AllocationEventView[] = [
    { kind: 'allocate', consumer: 'ca', usageInterval: T, wh: 100, method: OIL, lender: null },
    { kind: 'allocate', consumer: 'ca', usageInterval: T + 1800, wh: 60, method: SOLAR, lender: 'db' },
    { kind: 'allocate', consumer: 'ca', usageInterval: T + 1800, wh: 40, method: SOLAR, lender: null },
    { kind: 'borrow', borrower: 'da', lender: 'db', consumer: 'ca', method: SOLAR, wh: 60 },
    { kind: 'unmatched', consumer: 'ca', usageInterval: T + 3600, wh: 25, reason: 'no-assets' },
    { kind: 'allocate', consumer: 'ca', usageInterval: T + 7200, wh: 999, method: OIL, lender: null }, // outside the period
    { kind: 'allocate', consumer: 'cb', usageInterval: T, wh: 70, method: HYDRO, lender: null },
  ];
  const [ca, cb] = tallyConsumers([
    { id: 'ca', name: 'Ca', title: 'Ca household', intermediary: 'da', targetPercent: 40, readings: [usage('m1', T, 100), usage('m1', T + 1800, 100), usage('m1', T + 3600, 25), usage('m1', T + 7200, 999)] },
    { id: 'cb', name: 'Cb', title: 'Cb office', intermediary: 'da', targetPercent: 100, readings: [usage('m2', T, 70)] },
  ], events, T, T + 7200);
  t.match(ca, { meteredWh: 225, byMethod: [{ method: SOLAR, wh: 100 }, { method: OIL, wh: 100 }], unmatchedWh: 25, renewableWh: 100, accountedWh: 225, borrowed: [{ lender: 'db', method: SOLAR, wh: 60 }] });
  t.equal(ca!.achievedPercent, (100 * 100) / 225);
  t.match(cb, { meteredWh: 70, renewableWh: 70, achievedPercent: 100, borrowed: [] });
  const table = formatConsumerTable([ca!, cb!], new Map([['da', 'Da'], ['db', 'Db']]));
  const [header, rule, rowA, rowB] = table.split('\n');
  t.match(header, /consumer\s+via\s+target\s+achieved\s+metered Wh\s+solar Wh\s+hydro Wh\s+oil Wh\s+unmatched Wh\s+borrowed/);
  t.equal(rule!.length, header!.length);
  t.match(rowA, /^Ca household\s+Da\s+40\.0 %\s+44\.4 %\s+225\s+100\s+0\s+100\s+25\s+60 Wh solar from Db$/);
  t.match(rowB, /^Cb office\s+Da\s+100\.0 %\s+100\.0 %\s+70\s+0\s+70\s+0\s+0\s+-$/);
});

t.test('the cast: the patent scenario has distinct, reproducible party and meter ids', async (t) => {
  const a = createCast(PATENT_SCENARIO);
  const b = createCast(PATENT_SCENARIO);
  t.same([...a.names], [...b.names], 'same seed, same ids');
  t.equal(a.names.size, 1 + 2 + 2 + PATENT_SCENARIO.producers.length + PATENT_SCENARIO.consumers.length, 'all ids distinct');
  const seeds = [...PATENT_SCENARIO.producers, ...PATENT_SCENARIO.consumers].map((p) => meterSeed(PATENT_SCENARIO, p.name));
  t.equal(new Set(seeds).size, seeds.length);
  t.equal(a.gateways.get('Da')!.intermediary, a.intermediaries.get('Da')!.id, "Da's gateway belongs to Da");
  const ca = PATENT_SCENARIO.consumers.find((c) => c.name === 'Ca')!;
  t.match(ca, { intermediary: 'Da', targetPercent: 40, providers: ['Aa', 'Ab'] }, "the patent's consumer Ca");
  t.same(PATENT_SCENARIO.policies, [{ from: 'Db', to: 'Da', methods: ['solar'], priority: 0 }], "Db's policy admits Da for solar");
});
