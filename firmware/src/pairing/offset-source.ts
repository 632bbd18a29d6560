/**
 * An energy source seen from a baseline: the core counts its register as "stored register +
 * source counters since power-up", so a core started later in the same power-up (after
 * pairing staged, committed or rolled back) must see counters from the moment it starts.
 */
import type { EnergyCounters, EnergySource } from '../hal/energy-source.js';

export class OffsetSource implements EnergySource {
  constructor(
    private readonly source: EnergySource,
    private readonly baseline: EnergyCounters,
  ) {}

  read(): EnergyCounters {
    const now = this.source.read();
    return {
      importedMWh: Math.max(0, now.importedMWh - this.baseline.importedMWh),
      exportedMWh: Math.max(0, now.exportedMWh - this.baseline.exportedMWh),
    };
  }
}
