/** The clock contract (hal/clock.ts) against VirtualClock and SystemClock, plus their own behaviour. */
import t from 'tap';
import type { Test } from 'tap';
import type { Clock } from '../src/hal/clock.js';
import { VirtualClock } from '../src/adapters/virtual-clock.js';
import { SystemClock } from '../src/platform/node/system-clock.js';

interface ClockHarness {
  clock: Clock;
  /** Lets `ms` of the clock's time pass (virtual: advance; system: wait). */
  pass(ms: number): Promise<void>;
  /** How far apart two reads of the clock may be (a scaled host clock moves between calls). */
  toleranceMs: number;
}

function clockContract(t: Test, name: string, make: () => ClockHarness): void {
  t.test(`${name}: timers fire in due order, cleared timers never fire`, async (t) => {
    const { clock, pass } = make();
    const fired: string[] = [];
    // Due times 500 ms apart: a host clock moves while the timers are set (at speed 100, a
    // millisecond of a busy host is 100 ms of clock time).
    clock.setTimer(1500, () => fired.push('c'));
    clock.setTimer(500, () => fired.push('a'));
    const cleared = clock.setTimer(750, () => fired.push('x'));
    clock.setTimer(1000, () => fired.push('b'));
    clock.clearTimer(cleared);
    await pass(2000);
    t.same(fired, ['a', 'b', 'c']);
  });

  t.test(`${name}: many timers due close together fire in due order, each once`, async (t) => {
    const { clock, pass } = make();
    // Due time of each timer, bounded by clock reads around setTimer (a host clock moves).
    const bounds: { earliest: number; latest: number }[] = [];
    const fired: number[] = [];
    const cleared = new Set<number>();
    let seed = 7;
    for (let i = 0; i < 60; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const delay = seed % 1500;
      const before = clock.monotonicMs();
      const handle = clock.setTimer(delay, () => fired.push(i));
      bounds.push({ earliest: before + delay, latest: clock.monotonicMs() + delay });
      if (i % 7 === 3) {
        clock.clearTimer(handle);
        cleared.add(i);
      }
    }
    await pass(2000);
    t.same([...fired].sort((a, b) => a - b), [...Array(60).keys()].filter((i) => !cleared.has(i)), 'every timer not cleared fired once');
    const outOfOrder = fired.slice(1).filter((q, k) => bounds[fired[k]!]!.earliest > bounds[q]!.latest);
    t.same(outOfOrder, [], 'no timer fired after one due later');
  });

  t.test(`${name}: a timer sees at least its delay of monotonic time`, async (t) => {
    const { clock, pass } = make();
    const start = clock.monotonicMs();
    let seen = -1;
    clock.setTimer(250, () => (seen = clock.monotonicMs()));
    await pass(400);
    t.ok(seen - start >= 249, `fired after ${seen - start} ms`);
  });

  t.test(`${name}: monotonic and wall time advance together without steps`, async (t) => {
    const { clock, pass, toleranceMs } = make();
    const m0 = clock.monotonicMs();
    const w0 = clock.nowMs();
    await pass(200);
    const dm = clock.monotonicMs() - m0;
    const dw = clock.nowMs() - w0;
    t.ok(dm >= 199, 'monotonic advanced');
    t.ok(Math.abs(dw - dm) <= toleranceMs, 'wall advanced by the same amount');
    t.equal(typeof clock.isSynced(), 'boolean');
  });
}

clockContract(t, 'VirtualClock', () => {
  const clock = new VirtualClock({ startMs: Date.UTC(2026, 5, 1) });
  return { clock, pass: async (ms) => clock.advance(ms), toleranceMs: 0 };
});

clockContract(t, 'SystemClock at speed 100', () => {
  const clock = new SystemClock({ speed: 100, startMs: Date.UTC(2026, 5, 1) });
  return { clock, pass: (ms) => new Promise((resolve) => setTimeout(resolve, ms / 100 + 20)), toleranceMs: 100 };
});

t.test('VirtualClock: wall steps and sync state are independent of monotonic time', async (t) => {
  const clock = new VirtualClock({ startMs: 1000, synced: false });
  t.equal(clock.isSynced(), false);
  clock.stepWall(-500);
  t.equal(clock.nowMs(), 500);
  t.equal(clock.monotonicMs(), 0);
  clock.setSynced(true);
  t.equal(clock.isSynced(), true);
  const seen: number[] = [];
  clock.setTimer(10, () => {
    seen.push(clock.monotonicMs());
    clock.setTimer(5, () => seen.push(clock.monotonicMs()));
  });
  clock.advance(100);
  t.same(seen, [10, 15], 'a timer set by a timer runs in the same advance, at its own time');
  t.equal(clock.pendingTimers(), 0);
});

t.test('SystemClock: refuses a non-positive speed', async (t) => {
  t.throws(() => new SystemClock({ speed: 0 }), RangeError);
  t.throws(() => new SystemClock({ speed: -1 }), RangeError);
});
