/**
 * S0 pulse input (IEC 62053-31 / DIN 43864): the meter emits one impulse per fixed quantum of
 * energy, stated as impulses per kWh (commonly 800, 1000, 2000 or 10000). The counter is
 * driven by the host: Node calls `pulse()`, the XS adapter calls it from an ECMA-419
 * Digital input's `onReadable` on the falling edge.
 */
import type { EnergyCounters, EnergySource } from '../hal/energy-source.js';

export type EnergyDirection = 'import' | 'export';

export interface S0PulseCounterOptions {
  readonly impulsesPerKWh: number;
  readonly direction: EnergyDirection;
}

const MWH_PER_KWH = 1_000_000;

export class S0PulseCounter implements EnergySource {
  readonly impulsesPerKWh: number;
  readonly direction: EnergyDirection;
  private pulses = 0;

  constructor(options: S0PulseCounterOptions) {
    const ipk = options.impulsesPerKWh;
    if (!Number.isInteger(ipk) || ipk < 1 || ipk > 100_000) throw new RangeError(`S0PulseCounter: impulsesPerKWh must be an integer 1..100000, got ${ipk}`);
    if (options.direction !== 'import' && options.direction !== 'export') throw new TypeError('S0PulseCounter: direction must be "import" or "export"');
    this.impulsesPerKWh = ipk;
    this.direction = options.direction;
  }

  pulse(count = 1): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError('S0PulseCounter.pulse: non-negative integer count expected');
    this.pulses += count;
  }

  pulseCount(): number {
    return this.pulses;
  }

  /** Energy from the pulse count, rounded down; recomputed from the count so no rounding error accumulates. */
  read(): EnergyCounters {
    const mWh = Math.floor((this.pulses * MWH_PER_KWH) / this.impulsesPerKWh);
    return this.direction === 'import' ? { importedMWh: mWh, exportedMWh: 0 } : { importedMWh: 0, exportedMWh: mWh };
  }
}
