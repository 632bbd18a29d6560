/**
 * Plausibility of an authentic, chained reading against its meter's registration (DESIGN §6,
 * §7): one rule for the gateway and the ledger, so both quarantine the same readings.
 *
 * A quarantined reading is signed and chained, so it still advances the meter's hash chain on
 * the ledger (otherwise the meter's next reading would break the chain forever), but it proves
 * no energy: no asset is issued and no usage recorded. Reasons:
 * - IMPLAUSIBLE_ENERGY: imported or exported Wh above rated power x interval (0 W = no bound);
 * - METHOD_MISMATCH: a production method other than the registered one (0 for consumers);
 * - BAD_FLAGS: the gateway-attested flag set on a meter's own reading, or missing on a reading
 *   made by the meter's attesting gateway.
 */
import { NO_PRODUCTION_METHOD } from '../production-method.js';
import { ReadingFlag, type IntervalReading } from '../reading.js';
import { MeterRole } from './party.js';

export const QuarantineReason = Object.freeze({
  IMPLAUSIBLE_ENERGY: 'IMPLAUSIBLE_ENERGY',
  METHOD_MISMATCH: 'METHOD_MISMATCH',
  BAD_FLAGS: 'BAD_FLAGS',
} as const);
export type QuarantineReason = (typeof QuarantineReason)[keyof typeof QuarantineReason];

export interface PlausibilityLimits {
  readonly role: MeterRole;
  /** Registered production method: 1..11 for producers, 0 for consumers. */
  readonly productionMethod: number;
  /** Rated power, W; 0 means no bound. */
  readonly ratedPowerW: number;
  /** The meter is gateway-attested: its readings are made by its gateway and carry the flag. */
  readonly attested: boolean;
}

export interface QuarantineVerdict {
  readonly reason: QuarantineReason;
  /** One line naming the reading and what was wrong. */
  readonly detail: string;
}

export function checkReadingPlausible(reading: IntervalReading, meter: PlausibilityLimits): QuarantineVerdict | undefined {
  // Wh <= W x s / 3600, in integers: every operand stays below 2^53.
  if (meter.ratedPowerW > 0) {
    const bound = meter.ratedPowerW * reading.intervalLength;
    if (reading.exportedWh * 3600 > bound) return implausible(reading, meter, 'exportedWh', reading.exportedWh);
    if (reading.importedWh * 3600 > bound) return implausible(reading, meter, 'importedWh', reading.importedWh);
  }
  const expected = meter.role === MeterRole.PRODUCER ? meter.productionMethod : NO_PRODUCTION_METHOD;
  if (reading.productionMethod !== expected) {
    return { reason: QuarantineReason.METHOD_MISMATCH, detail: `seq ${reading.seq}: production method ${reading.productionMethod}, registered ${expected}` };
  }
  if (((reading.flags & ReadingFlag.GATEWAY_ATTESTED) !== 0) !== meter.attested) {
    const detail = meter.attested ? 'a gateway-attested meter\'s reading must carry the gateway-attested flag' : 'the gateway-attested flag is set by a gateway only';
    return { reason: QuarantineReason.BAD_FLAGS, detail: `seq ${reading.seq}: ${detail}` };
  }
  return undefined;
}

function implausible(reading: IntervalReading, meter: PlausibilityLimits, field: string, wh: number): QuarantineVerdict {
  return { reason: QuarantineReason.IMPLAUSIBLE_ENERGY, detail: `seq ${reading.seq}: ${field} ${wh} Wh exceeds ${meter.ratedPowerW} W x ${reading.intervalLength} s` };
}
