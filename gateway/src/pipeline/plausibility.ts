/**
 * Plausibility of an authentic reading against its registration (DESIGN §6): energy within
 * rated power x interval, the registered production method, no gateway-only flag, and not
 * from the future. Interval alignment is part of the reading contract (validateReading).
 * Pure; the time is passed in.
 */
import { NO_PRODUCTION_METHOD, ReadingFlag, type IntervalReading } from '@wattledger/protocol';
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

/** `attested`: the reading was made by this gateway for a legacy (DLMS) meter, so the gateway-attested flag is expected. */
export function checkPlausible(reading: IntervalReading, meter: MeterLimits, attested = false): PlausibilityVerdict {
  // Wh <= W x s / 3600, in integers: every operand stays below 2^53.
  const bound = meter.ratedPowerW * reading.intervalLength;
  for (const [field, wh] of [['exportedWh', reading.exportedWh], ['importedWh', reading.importedWh]] as const) {
    if (meter.ratedPowerW > 0 && wh * 3600 > bound) {
      return { reason: RejectReason.IMPLAUSIBLE_ENERGY, detail: `seq ${reading.seq}: ${field} ${wh} Wh exceeds ${meter.ratedPowerW} W x ${reading.intervalLength} s` };
    }
  }
  const expected = meter.role === 'producer' ? meter.productionMethod : NO_PRODUCTION_METHOD;
  if (reading.productionMethod !== expected) {
    return { reason: RejectReason.WRONG_METHOD, detail: `seq ${reading.seq}: production method ${reading.productionMethod}, registered ${expected}` };
  }
  if (((reading.flags & ReadingFlag.GATEWAY_ATTESTED) !== 0) !== attested) {
    const detail = attested ? 'a gateway-made reading must carry the gateway-attested flag' : 'the gateway-attested flag is set by the gateway only';
    return { reason: RejectReason.BAD_FLAGS, detail: `seq ${reading.seq}: ${detail}` };
  }
  return undefined;
}
