/**
 * Plausibility of an authentic reading against its registration (DESIGN §6): energy within
 * rated power x interval, the registered production method, no gateway-only flag, and not
 * from the future. Interval alignment is part of the reading contract (validateReading).
 * Pure; the time is passed in.
 */
import { checkReadingPlausible, QuarantineReason, type IntervalReading } from '@wattledger/protocol';
import { RejectReason } from './rejection.js';

export interface MeterLimits {
  readonly role: 'producer' | 'consumer';
  readonly productionMethod: number;
  /** 0 means no bound (as on the ledger). */
  readonly ratedPowerW: number;
}

export type PlausibilityVerdict =
  | undefined
  | { readonly reason: typeof RejectReason.FUTURE_INTERVAL | typeof RejectReason.IMPLAUSIBLE_ENERGY | typeof RejectReason.WRONG_METHOD | typeof RejectReason.BAD_FLAGS; readonly detail: string };

/** A meter's reading for an interval is made at the interval's end; allow `maxFutureSkewS` of clock error. */
export function checkNotFuture(reading: IntervalReading, nowS: number, maxFutureSkewS: number): PlausibilityVerdict {
  const end = reading.intervalStart + reading.intervalLength;
  if (end > nowS + maxFutureSkewS) {
    return { reason: RejectReason.FUTURE_INTERVAL, detail: `seq ${reading.seq}: interval ends at ${end}, ${end - nowS} s in the future` };
  }
  return undefined;
}

const REASONS = {
  [QuarantineReason.IMPLAUSIBLE_ENERGY]: RejectReason.IMPLAUSIBLE_ENERGY,
  [QuarantineReason.METHOD_MISMATCH]: RejectReason.WRONG_METHOD,
  [QuarantineReason.BAD_FLAGS]: RejectReason.BAD_FLAGS,
} as const;

/**
 * The ledger's own rule (protocol checkReadingPlausible), so the gateway quarantines exactly
 * what the ledger will record as quarantined. `attested`: the reading was made by this gateway
 * for a legacy (DLMS) meter, so the gateway-attested flag is expected.
 */
export function checkPlausible(reading: IntervalReading, meter: MeterLimits, attested = false): PlausibilityVerdict {
  // The four limits only: spreading a whole meter record per reading costs more than the check.
  const verdict = checkReadingPlausible(reading, { role: meter.role, productionMethod: meter.productionMethod, ratedPowerW: meter.ratedPowerW, attested });
  return verdict === undefined ? undefined : { reason: REASONS[verdict.reason], detail: verdict.detail };
}
