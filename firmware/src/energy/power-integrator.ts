/**
 * Energy from power samples, as from a metering IC that reports average active power since
 * the previous read (e.g. PZEM-004T, ADE7953). Integer arithmetic: energy accumulates in
 * mW x ms with the remainder kept, so a reading is exact to the mWh and the result does not
 * depend on how the samples were grouped. 1 mWh = 3 600 000 mW x ms.
 * Sign convention: positive power is imported from the grid, negative is exported.
 */
import type { EnergyCounters, EnergySource } from '../hal/energy-source.js';

const MW_MS_PER_MWH = 3_600_000;

export class PowerIntegrator implements EnergySource {
  private lastMs: number;
  private importedMWh = 0;
  private exportedMWh = 0;
  private importRemainder = 0;
  private exportRemainder = 0;

  constructor(startMs: number) {
    if (!Number.isFinite(startMs)) throw new TypeError('PowerIntegrator: finite start time expected');
    this.lastMs = Math.floor(startMs);
  }

  /** Adds `milliwatts` of average power held over (previous sample, atMs]. Earlier times are ignored. */
  sample(atMs: number, milliwatts: number): void {
    if (!Number.isFinite(milliwatts)) throw new TypeError('PowerIntegrator.sample: finite power expected');
    const at = Math.floor(atMs);
    const dt = at - this.lastMs;
    if (!(dt > 0)) return;
    this.lastMs = at;
    const power = Math.round(milliwatts);
    if (power > 0) {
      this.importRemainder += power * dt;
      const whole = Math.floor(this.importRemainder / MW_MS_PER_MWH);
      this.importedMWh += whole;
      this.importRemainder -= whole * MW_MS_PER_MWH;
    } else if (power < 0) {
      this.exportRemainder += -power * dt;
      const whole = Math.floor(this.exportRemainder / MW_MS_PER_MWH);
      this.exportedMWh += whole;
      this.exportRemainder -= whole * MW_MS_PER_MWH;
    }
  }

  lastSampleMs(): number {
    return this.lastMs;
  }

  read(): EnergyCounters {
    return { importedMWh: this.importedMWh, exportedMWh: this.exportedMWh };
  }
}
