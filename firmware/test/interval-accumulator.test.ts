/** Interval metering (core/interval-accumulator.ts). */
import fc from 'fast-check';
import t from 'tap';
import { ReadingFlag } from '@wattledger/protocol';
import { accumulate, initialAccumulator, resumeAccumulator, type AccumulatorState, type ClosedInterval, type RegisterSample } from '../src/core/interval-accumulator.js';
import { T0 } from './support/fixtures.js';

const S = (wallMs: number, importedMWh = 0, exportedMWh = 0, extra: Partial<RegisterSample> = {}): RegisterSample => ({ wallMs, monoMs: wallMs - T0, synced: true, importedMWh, exportedMWh, ...extra });

function run(state: AccumulatorState, samples: RegisterSample[]): { state: AccumulatorState; closed: ClosedInterval[] } {
  const closed: ClosedInterval[] = [];
  for (const s of samples) {
    const r = accumulate(state, s);
    state = r.state;
    if (r.closed) closed.push(r.closed);
  }
  return { state, closed };
}

t.test('intervals align to UTC multiples of the length and close at the boundary', async (t) => {
  const start = T0 + 7 * 60_000;
  const { closed, state } = run(initialAccumulator(1800), [S(start, 0, 0), S(T0 + 1_799_000, 0, 4_000), S(T0 + 1_800_000, 0, 5_500), S(T0 + 3_600_005, 0, 9_999)]);
  t.same(closed.map((c) => [c.start, c.length, c.exportedWh, c.flags]), [[T0 / 1000, 1800, 5, 0], [T0 / 1000 + 1800, 1800, 4, 0]]);
  t.equal(state.open?.start, T0 / 1000 + 3600);
});

t.test('Wh per interval telescope: readings add up exactly to the register', async (t) => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 4000_000 }), fc.integer({ min: 0, max: 3_000_000 })), { minLength: 1, maxLength: 80 }), (steps) => {
    let state = initialAccumulator(900);
    let at = T0;
    let register = 0;
    let sum = 0;
    const r0 = accumulate(state, S(at, register));
    state = r0.state;
    for (const [dt, energy] of steps) {
      at += dt;
      register += energy;
      const r = accumulate(state, S(at, register));
      state = r.state;
      if (r.closed) sum += r.closed.importedWh;
    }
    return sum === Math.floor(state.open!.startImportedMWh / 1000);
  }));
  t.pass();
});

t.test('an unsynchronised clock flags the interval CLOCK_UNSYNCED', async (t) => {
  const { closed } = run(initialAccumulator(1800), [S(T0), S(T0 + 600_000, 0, 0, { synced: false }), S(T0 + 1_800_000), S(T0 + 3_600_000)]);
  t.same(closed.map((c) => c.flags), [ReadingFlag.CLOCK_UNSYNCED, 0]);
});

t.test('a forward step closes the interval flagged CLOCK_ADJUSTED; skipped intervals get no reading', async (t) => {
  const samples = [S(T0), { ...S(T0 + 4 * 3_600_000, 0, 700), monoMs: 60_000 }, { ...S(T0 + 4 * 3_600_000 + 1_800_000, 0, 900), monoMs: 60_000 + 1_800_000 }];
  const { closed } = run(initialAccumulator(1800), samples);
  t.same(closed.map((c) => [c.start - T0 / 1000, c.exportedWh, c.flags]), [[0, 0, ReadingFlag.CLOCK_ADJUSTED], [4 * 3600, 0, ReadingFlag.CLOCK_ADJUSTED]]);
});

t.test('a backward step keeps accumulating into the open interval, flagged; intervals never go back', async (t) => {
  const samples = [S(T0 + 1_700_000), { ...S(T0 - 3_600_000, 2000), monoMs: 1_760_000 }, { ...S(T0 + 1_800_000, 5000), monoMs: 1_760_000 + 5_400_000 }];
  const { closed, state } = run(initialAccumulator(1800), samples);
  t.same(closed.map((c) => [c.start - T0 / 1000, c.importedWh, c.flags & ReadingFlag.CLOCK_ADJUSTED]), [[0, 5, ReadingFlag.CLOCK_ADJUSTED]]);
  t.equal(state.open?.start, T0 / 1000 + 1800);
});

t.test('after a reboot the resumed interval is flagged POWER_LOSS, and so is the next if it started before the boot', async (t) => {
  const open = { start: T0 / 1000, length: 1800, startImportedMWh: 0, startExportedMWh: 1000, flags: 0 };
  const resumed = run(resumeAccumulator(open, 1800), [S(T0 + 600_000, 0, 3000), S(T0 + 1_800_000, 0, 4000)]);
  t.same(resumed.closed.map((c) => [c.exportedWh, c.flags]), [[3, ReadingFlag.POWER_LOSS]]);
  const late = run(resumeAccumulator(open, 1800), [S(T0 + 2_000_000, 0, 3000), S(T0 + 3_600_000, 0, 4000)]);
  t.same(late.closed.map((c) => [c.start - T0 / 1000, c.flags]), [[0, ReadingFlag.POWER_LOSS], [1800, ReadingFlag.POWER_LOSS]]);
});

t.test('a new length applies at the first boundary aligned to both lengths', async (t) => {
  let state = run(initialAccumulator(1800), [S(T0 + 1_800_000)]).state;
  state = { ...state, lengthS: 3600 };
  const { closed } = run(state, [S(T0 + 3_600_000), S(T0 + 7_200_000), S(T0 + 10_800_000)]);
  t.same(closed.map((c) => [c.start - T0 / 1000, c.length]), [[1800, 1800], [3600, 3600], [7200, 3600]]);
});
