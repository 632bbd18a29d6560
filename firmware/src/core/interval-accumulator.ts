/**
 * Interval metering (DESIGN §5): energy register samples in integer mWh are cut into
 * intervals aligned to UTC multiples of the interval length. Pure: `accumulate(state,
 * sample)` returns the next state and at most one closed interval.
 *
 * Energy per interval, in Wh, is floor(register at close / 1000) - floor(register at start
 * / 1000), so the readings of a chain add up exactly to the register: nothing is lost or
 * counted twice by rounding.
 *
 * Flags instead of silently wrong energy:
 *  - CLOCK_UNSYNCED: the wall clock was not synchronised at some sample of the interval;
 *  - CLOCK_ADJUSTED: the wall clock stepped (it disagreed with the monotonic clock by more
 *    than the tolerance), so the interval's energy covers more or less than its length;
 *  - POWER_LOSS: the meter rebooted inside the interval (energy since the last persisted
 *    register was not measured).
 * Intervals never go back in time: if the wall clock steps behind the open interval, the
 * meter keeps accumulating into it (flagged) until the clock passes its end.
 * A new interval length takes effect at the first boundary aligned to both lengths.
 */
import { alignIntervalStart, ReadingFlag } from '@wattledger/protocol';

export interface OpenInterval {
  /** Unix seconds, aligned to `length`. */
  readonly start: number;
  readonly length: number;
  /** Register at the start of the interval (the end of the previous one), mWh. */
  readonly startImportedMWh: number;
  readonly startExportedMWh: number;
  readonly flags: number;
}

export interface AccumulatorState {
  readonly open: OpenInterval | undefined;
  /** Configured interval length, s; may differ from `open.length` until the next aligned boundary. */
  readonly lengthS: number;
  /** Wall and monotonic time of the previous sample in this boot, for step detection. */
  readonly lastWallMs: number | undefined;
  readonly lastMonoMs: number | undefined;
  /** Flags to add at the next sample (POWER_LOSS after a reboot). */
  readonly pendingFlags: number;
}

export interface RegisterSample {
  readonly wallMs: number;
  readonly monoMs: number;
  readonly synced: boolean;
  /** Persistent energy register, mWh. */
  readonly importedMWh: number;
  readonly exportedMWh: number;
}

export interface ClosedInterval {
  readonly start: number;
  readonly length: number;
  readonly importedWh: number;
  readonly exportedWh: number;
  readonly flags: number;
  /** Register at the close, mWh (the next interval's start). */
  readonly endImportedMWh: number;
  readonly endExportedMWh: number;
}

export const DEFAULT_STEP_TOLERANCE_MS = 2000;

export function initialAccumulator(lengthS: number): AccumulatorState {
  return { open: undefined, lengthS, lastWallMs: undefined, lastMonoMs: undefined, pendingFlags: 0 };
}

/** The state after a reboot: the persisted open interval continues, flagged POWER_LOSS. */
export function resumeAccumulator(open: OpenInterval | undefined, lengthS: number): AccumulatorState {
  return { open, lengthS, lastWallMs: undefined, lastMonoMs: undefined, pendingFlags: open === undefined ? 0 : ReadingFlag.POWER_LOSS };
}

export function accumulate(state: AccumulatorState, sample: RegisterSample, stepToleranceMs = DEFAULT_STEP_TOLERANCE_MS): { state: AccumulatorState; closed?: ClosedInterval } {
  let flags = state.pendingFlags | (sample.synced ? 0 : ReadingFlag.CLOCK_UNSYNCED);
  if (state.lastWallMs !== undefined && state.lastMonoMs !== undefined) {
    const expected = state.lastWallMs + (sample.monoMs - state.lastMonoMs);
    if (Math.abs(sample.wallMs - expected) > stepToleranceMs) flags |= ReadingFlag.CLOCK_ADJUSTED;
  }
  const nowS = Math.floor(sample.wallMs / 1000);
  const base = { lengthS: state.lengthS, lastWallMs: sample.wallMs, lastMonoMs: sample.monoMs, pendingFlags: 0 };
  const open = state.open;
  if (open === undefined) {
    const start = alignIntervalStart(nowS, state.lengthS);
    return { state: { ...base, open: { start, length: state.lengthS, startImportedMWh: sample.importedMWh, startExportedMWh: sample.exportedMWh, flags } } };
  }
  const end = open.start + open.length;
  if (nowS < end) return { state: { ...base, open: { ...open, flags: open.flags | flags } } };
  const closed: ClosedInterval = {
    start: open.start,
    length: open.length,
    importedWh: Math.floor(sample.importedMWh / 1000) - Math.floor(open.startImportedMWh / 1000),
    exportedWh: Math.floor(sample.exportedMWh / 1000) - Math.floor(open.startExportedMWh / 1000),
    flags: open.flags | flags,
    endImportedMWh: sample.importedMWh,
    endExportedMWh: sample.exportedMWh,
  };
  const length = end % state.lengthS === 0 ? state.lengthS : open.length;
  const next: OpenInterval = { start: alignIntervalStart(nowS, length), length, startImportedMWh: sample.importedMWh, startExportedMWh: sample.exportedMWh, flags };
  return { state: { ...base, open: next }, closed };
}

/** Unix ms at which the open interval ends (when the next sample should be taken). */
export function openIntervalEndMs(state: AccumulatorState): number | undefined {
  return state.open === undefined ? undefined : (state.open.start + state.open.length) * 1000;
}
