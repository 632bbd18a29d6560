/** Energy sources (hal/energy-source.ts contract and each source's arithmetic). */
import fc from 'fast-check';
import t from 'tap';
import type { EnergySource } from '../src/hal/energy-source.js';
import { VirtualClock } from '../src/adapters/virtual-clock.js';
import { PowerIntegrator } from '../src/energy/power-integrator.js';
import { S0PulseCounter } from '../src/energy/s0-pulse-counter.js';
import { constantProfile, householdProfile, SimulatedSource, sinSolarElevation, solarProfile } from '../src/energy/simulated-source.js';

const JUNE = Date.UTC(2026, 5, 21);

t.test('contract: every source starts at zero and never decreases', async (t) => {
  const clock = new VirtualClock({ startMs: JUNE });
  const s0 = new S0PulseCounter({ impulsesPerKWh: 1000, direction: 'export' });
  const integrator = new PowerIntegrator(clock.monotonicMs());
  const sources: Array<[string, EnergySource, () => void]> = [
    ['S0', s0, () => s0.pulse(3)],
    ['integrator', integrator, () => integrator.sample(clock.monotonicMs(), 1500)],
    ['solar', new SimulatedSource(solarProfile({ peakWatts: 5000, latitudeDeg: 48 }), clock), () => {}],
    ['household', new SimulatedSource(householdProfile(), clock), () => {}],
    ['constant', new SimulatedSource(constantProfile(2000), clock), () => {}],
  ];
  for (const [name, source] of sources) t.same(source.read(), { importedMWh: 0, exportedMWh: 0 }, `${name} starts at zero`);
  const last = sources.map(([, s]) => s.read());
  for (let i = 0; i < 48 * 6; i++) {
    clock.advance(5 * 60_000);
    sources.forEach(([name, source, drive], k) => {
      drive();
      const now = source.read();
      if (now.importedMWh < last[k]!.importedMWh || now.exportedMWh < last[k]!.exportedMWh) t.fail(`${name} decreased`);
      last[k] = now;
    });
  }
  t.ok(last.every((c) => c.importedMWh + c.exportedMWh > 0), 'every source counted energy over a day');
});

t.test('S0: energy = pulses / (impulses per kWh), exact, per direction', async (t) => {
  const s0 = new S0PulseCounter({ impulsesPerKWh: 3200, direction: 'import' });
  s0.pulse(3200);
  t.same(s0.read(), { importedMWh: 1_000_000, exportedMWh: 0 });
  s0.pulse(1);
  t.same(s0.read(), { importedMWh: 1_000_312, exportedMWh: 0 }, '312.5 mWh per pulse, rounded down without drift');
  t.throws(() => new S0PulseCounter({ impulsesPerKWh: 0, direction: 'import' }), RangeError);
  t.throws(() => s0.pulse(-1), RangeError);
});

t.test('integrator: 1 kW for an hour is 1 kWh, export is negative power', async (t) => {
  const p = new PowerIntegrator(0);
  p.sample(3_600_000, 1_000_000);
  p.sample(7_200_000, -500_000);
  t.same(p.read(), { importedMWh: 1_000_000, exportedMWh: 500_000 });
  p.sample(7_000_000, 1_000_000);
  t.same(p.read(), { importedMWh: 1_000_000, exportedMWh: 500_000 }, 'a sample in the past is ignored');
});

t.test('integrator: the result does not depend on how a constant power is split into samples', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 5_000_000 }), fc.array(fc.integer({ min: 1, max: 600_000 }), { minLength: 1, maxLength: 50 }), (mw, steps) => {
    const whole = new PowerIntegrator(0);
    const split = new PowerIntegrator(0);
    let at = 0;
    for (const s of steps) {
      at += s;
      split.sample(at, mw);
    }
    whole.sample(at, mw);
    return whole.read().importedMWh === split.read().importedMWh && whole.read().importedMWh === Math.floor((mw * at) / 3_600_000);
  }));
  t.pass();
});

t.test('solar: sunrise and sunset follow date and latitude', async (t) => {
  const daylightHours = (latitude: number, dayMs: number): number => {
    let minutes = 0;
    for (let m = 0; m < 1440; m++) if (sinSolarElevation(dayMs + m * 60_000, (latitude * Math.PI) / 180, 0) > 0) minutes++;
    return minutes / 60;
  };
  const equator = daylightHours(0, JUNE);
  t.ok(Math.abs(equator - 12) < 0.3, `about 12 h at the equator (${equator.toFixed(2)})`);
  t.ok(daylightHours(60, JUNE) > 18, 'long days at 60N in June');
  t.ok(daylightHours(60, Date.UTC(2026, 11, 21)) < 7, 'short days at 60N in December');
  const profile = solarProfile({ peakWatts: 4000, latitudeDeg: 45, cloudiness: 0 });
  t.equal(profile(JUNE), 0, 'no output at midnight (UTC, longitude 0)');
  t.ok(profile(JUNE + 12 * 3_600_000) < -3_000_000, 'near peak output exported at noon');
});

t.test('simulated sources are deterministic for a seed and clock', async (t) => {
  const run = (seed: number): number => {
    const clock = new VirtualClock({ startMs: JUNE });
    const source = new SimulatedSource(solarProfile({ peakWatts: 5000, latitudeDeg: 50, seed }), clock);
    for (let i = 0; i < 96; i++) {
      clock.advance(7 * 60_000 + i);
      source.read();
    }
    return source.read().exportedMWh;
  };
  t.equal(run(1), run(1));
  t.not(run(1), run(2));
});
