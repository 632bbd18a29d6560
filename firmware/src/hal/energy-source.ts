/**
 * Energy seam: a source reports cumulative energy since it started counting (power-up), in
 * integer milliwatt-hours per direction. The direction convention is the meter's: import =
 * energy taken from the grid, export = energy delivered to it (a producer exports).
 * A source restarts from zero after a power loss; the meter keeps the persistent register.
 */

export interface EnergyCounters {
  /** Cumulative imported energy, mWh, non-decreasing. */
  readonly importedMWh: number;
  /** Cumulative exported energy, mWh, non-decreasing. */
  readonly exportedMWh: number;
}

export interface EnergySource {
  read(): EnergyCounters;
}

export const ZERO_COUNTERS: EnergyCounters = Object.freeze({ importedMWh: 0, exportedMWh: 0 });
