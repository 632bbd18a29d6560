/**
 * Simulated energy sources for the Node simulator and the demo: a power profile (a pure
 * function of wall time and a seed) integrated on a fixed step of monotonic time. Noise is
 * a stateless hash of (seed, time block), so two meters with the same seed and clock agree
 * and a read does not perturb the next one.
 *
 * Solar position: declination after Cooper (1969), delta = -23.44 deg x cos(2 pi (N + 10) / 365);
 * sin(elevation) = sin(lat) sin(delta) + cos(lat) cos(delta) cos(hour angle), with hour angle
 * 15 deg per hour from local solar noon (longitude / 15 h east of UTC). Clear-sky output is
 * taken as proportional to sin(elevation), which gives sunrise and sunset by date and latitude.
 */
import type { Clock } from '../hal/clock.js';
import type { EnergyCounters, EnergySource } from '../hal/energy-source.js';
import { hashUnit } from '../adapters/seeded-random.js';
import { PowerIntegrator } from './power-integrator.js';

/** Average power at a wall time, mW: positive imported, negative exported. */
export type PowerProfile = (unixMs: number) => number;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const RAD = Math.PI / 180;

export interface SolarProfileOptions {
  readonly peakWatts: number;
  readonly latitudeDeg: number;
  readonly longitudeDeg?: number;
  /** 0 = always clear, 1 = output may drop to zero under clouds. Default 0.4. */
  readonly cloudiness?: number;
  readonly seed?: number;
  /** Inverter standby drawn from the grid at night, W. Default 0. */
  readonly standbyWatts?: number;
}

export function solarProfile(options: SolarProfileOptions): PowerProfile {
  const { peakWatts, latitudeDeg } = options;
  if (!(peakWatts >= 0)) throw new RangeError('solarProfile: peakWatts must be >= 0');
  if (!(latitudeDeg >= -90 && latitudeDeg <= 90)) throw new RangeError('solarProfile: latitude must be within -90..90 degrees');
  const longitude = options.longitudeDeg ?? 0;
  const cloudiness = options.cloudiness ?? 0.4;
  const seed = options.seed ?? 1;
  const standby = options.standbyWatts ?? 0;
  const lat = latitudeDeg * RAD;
  return (unixMs) => {
    const elevation = sinSolarElevation(unixMs, lat, longitude);
    if (elevation <= 0) return standby * 1000;
    const cloud = 1 - cloudiness * hashUnit(seed, Math.floor(unixMs / (15 * 60_000)));
    return -Math.round(peakWatts * 1000 * elevation * cloud);
  };
}

export function sinSolarElevation(unixMs: number, latRad: number, longitudeDeg: number): number {
  const dayOfYear = Math.floor((unixMs - Date.UTC(new Date(unixMs).getUTCFullYear(), 0, 1)) / DAY_MS) + 1;
  const declination = -23.44 * RAD * Math.cos(((2 * Math.PI) / 365) * (dayOfYear + 10));
  const solarHours = ((unixMs % DAY_MS) + DAY_MS) % DAY_MS / HOUR_MS + longitudeDeg / 15;
  const hourAngle = 15 * RAD * (solarHours - 12);
  return Math.sin(latRad) * Math.sin(declination) + Math.cos(latRad) * Math.cos(declination) * Math.cos(hourAngle);
}

export interface HouseholdProfileOptions {
  /** Mean consumption, W (default 400, about 3 500 kWh a year). */
  readonly averageWatts?: number;
  /** Local time offset from UTC, hours (default 0). */
  readonly utcOffsetHours?: number;
  readonly seed?: number;
}

/** Relative load by local hour: night base, a morning and a larger evening peak; mean 1. */
const HOUSEHOLD_SHAPE = Object.freeze([
  0.45, 0.4, 0.38, 0.38, 0.4, 0.5, 0.9, 1.4, 1.3, 0.9, 0.8, 0.85,
  0.95, 0.85, 0.8, 0.85, 1.0, 1.4, 1.9, 2.0, 1.8, 1.5, 1.0, 0.65,
]);
const SHAPE_MEAN = HOUSEHOLD_SHAPE.reduce((a, b) => a + b, 0) / HOUSEHOLD_SHAPE.length;

export function householdProfile(options: HouseholdProfileOptions = {}): PowerProfile {
  const average = options.averageWatts ?? 400;
  if (!(average >= 0)) throw new RangeError('householdProfile: averageWatts must be >= 0');
  const offset = options.utcOffsetHours ?? 0;
  const seed = options.seed ?? 1;
  return (unixMs) => {
    const local = unixMs + offset * HOUR_MS;
    const hour = Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
    const noise = 0.7 + 0.6 * hashUnit(seed, Math.floor(unixMs / (5 * 60_000)));
    return Math.round(((average * 1000 * HOUSEHOLD_SHAPE[hour]!) / SHAPE_MEAN) * noise);
  };
}

/** Constant power: a generator exporting `watts` (default), or a load importing it. */
export function constantProfile(watts: number, direction: 'import' | 'export' = 'export'): PowerProfile {
  if (!(watts >= 0)) throw new RangeError('constantProfile: watts must be >= 0');
  const mW = Math.round(watts * 1000);
  return () => (direction === 'import' ? mW : -mW);
}

export interface SimulatedSourceOptions {
  /** Integration step of monotonic time, ms (default 60 s). */
  readonly stepMs?: number;
}

/**
 * Integrates `profile` from the moment of construction: each step of monotonic time is
 * charged the profile's power at the wall time of the step's start. Wall-clock steps move
 * the profile (the sun), not the energy.
 */
export class SimulatedSource implements EnergySource {
  private readonly integrator: PowerIntegrator;
  private readonly stepMs: number;
  private readonly origin: number;

  constructor(private readonly profile: PowerProfile, private readonly clock: Clock, options: SimulatedSourceOptions = {}) {
    this.stepMs = options.stepMs ?? 60_000;
    if (!Number.isInteger(this.stepMs) || this.stepMs < 1) throw new RangeError('SimulatedSource: stepMs must be a positive integer');
    this.origin = clock.monotonicMs();
    this.integrator = new PowerIntegrator(this.origin);
  }

  read(): EnergyCounters {
    const now = this.clock.monotonicMs();
    const wallNow = this.clock.nowMs();
    let at = this.integrator.lastSampleMs();
    while (at < now) {
      const stepStart = this.origin + Math.floor((at - this.origin) / this.stepMs) * this.stepMs;
      const stepEnd = Math.min(stepStart + this.stepMs, now);
      this.integrator.sample(stepEnd, this.profile(wallNow - (now - stepStart)));
      at = stepEnd;
    }
    return this.integrator.read();
  }
}
