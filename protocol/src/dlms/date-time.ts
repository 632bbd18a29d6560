/**
 * COSEM date, time and date-time (DLMS UA Blue Book §4.1.6.1, IEC 62056-6-2):
 *
 *   date-time (12): year (2, 0xFFFF n/s) month day-of-month day-of-week hour minute second
 *                   hundredths deviation (int16 minutes, 0x8000 n/s) clock-status
 *
 * 0xFF in a one-byte field means "not specified" (a wildcard), here `null`. Month 0xFD/0xFE
 * are the end/begin of daylight saving, day-of-month 0xFD/0xFE the second-last/last day.
 * deviation is the number of minutes of local time *to* UTC: UTC = local + deviation, so
 * Central European Summer Time (UTC+2) is -120.
 */
import type { ByteReader } from './byte-io.js';

export interface CosemDate {
  readonly year: number | null;
  readonly month: number | null;
  readonly dayOfMonth: number | null;
  /** 1 = Monday .. 7 = Sunday. */
  readonly dayOfWeek: number | null;
}

export interface CosemTime {
  readonly hour: number | null;
  readonly minute: number | null;
  readonly second: number | null;
  readonly hundredths: number | null;
}

export interface CosemDateTime extends CosemDate, CosemTime {
  /** Minutes of local time to UTC (UTC = local + deviation); null when not specified. */
  readonly deviation: number | null;
  readonly clockStatus: number | null;
}

export const ClockStatus = Object.freeze({
  INVALID_VALUE: 0x01,
  DOUBTFUL_VALUE: 0x02,
  DIFFERENT_CLOCK_BASE: 0x04,
  INVALID_CLOCK_STATUS: 0x08,
  DAYLIGHT_SAVING_ACTIVE: 0x80,
} as const);

export const MONTH_DAYLIGHT_SAVING_END = 0xfd;
export const MONTH_DAYLIGHT_SAVING_BEGIN = 0xfe;
export const DAY_SECOND_LAST = 0xfd;
export const DAY_LAST = 0xfe;
const NS = 0xff;
const DEVIATION_NS = 0x8000;

const orNull = (b: number): number | null => (b === NS ? null : b);
const byte = (v: number | null, max: number, what: string, specials: readonly number[] = []): number => {
  if (v === null) return NS;
  if (!Number.isInteger(v) || ((v < 0 || v > max) && !specials.includes(v))) throw new RangeError(`COSEM ${what} ${v} out of range`);
  return v;
};

export function encodeDate(d: CosemDate, out: Uint8Array = new Uint8Array(5), at = 0): Uint8Array {
  const year = d.year === null ? 0xffff : d.year;
  if (!Number.isInteger(year) || year < 0 || year > 0xffff) throw new RangeError(`COSEM year ${d.year} out of range`);
  out[at] = year >> 8;
  out[at + 1] = year & 0xff;
  out[at + 2] = byte(d.month, 12, 'month', [MONTH_DAYLIGHT_SAVING_END, MONTH_DAYLIGHT_SAVING_BEGIN]);
  out[at + 3] = byte(d.dayOfMonth, 31, 'day of month', [DAY_SECOND_LAST, DAY_LAST]);
  out[at + 4] = byte(d.dayOfWeek, 7, 'day of week');
  return out;
}

export function encodeTime(t: CosemTime, out: Uint8Array = new Uint8Array(4), at = 0): Uint8Array {
  out[at] = byte(t.hour, 23, 'hour');
  out[at + 1] = byte(t.minute, 59, 'minute');
  out[at + 2] = byte(t.second, 59, 'second');
  out[at + 3] = byte(t.hundredths, 99, 'hundredths');
  return out;
}

export function encodeDateTime(dt: CosemDateTime, out: Uint8Array = new Uint8Array(12), at = 0): Uint8Array {
  encodeDate(dt, out, at);
  encodeTime(dt, out, at + 5);
  const deviation = dt.deviation === null ? DEVIATION_NS : dt.deviation;
  if (dt.deviation !== null && (!Number.isInteger(deviation) || deviation < -720 || deviation > 720)) throw new RangeError(`COSEM deviation -720..720 minutes expected, got ${deviation}`);
  out[at + 9] = (deviation >> 8) & 0xff;
  out[at + 10] = deviation & 0xff;
  out[at + 11] = dt.clockStatus === null ? NS : byte(dt.clockStatus, 0xfe, 'clock status');
  return out;
}

export function readDate(r: ByteReader): CosemDate {
  const b = r.take(5);
  const year = (b[0]! << 8) | b[1]!;
  return { year: year === 0xffff ? null : year, month: orNull(b[2]!), dayOfMonth: orNull(b[3]!), dayOfWeek: orNull(b[4]!) };
}

export function readTime(r: ByteReader): CosemTime {
  const b = r.take(4);
  return { hour: orNull(b[0]!), minute: orNull(b[1]!), second: orNull(b[2]!), hundredths: orNull(b[3]!) };
}

/** Decodes 12 bytes at `at` (no type tag). */
export function decodeDateTime(b: Uint8Array, at = 0): CosemDateTime {
  if (b.length < at + 12) throw new RangeError('COSEM date-time: 12 bytes expected');
  const year = (b[at]! << 8) | b[at + 1]!;
  const dev = (b[at + 9]! << 8) | b[at + 10]!;
  return {
    year: year === 0xffff ? null : year,
    month: orNull(b[at + 2]!),
    dayOfMonth: orNull(b[at + 3]!),
    dayOfWeek: orNull(b[at + 4]!),
    hour: orNull(b[at + 5]!),
    minute: orNull(b[at + 6]!),
    second: orNull(b[at + 7]!),
    hundredths: orNull(b[at + 8]!),
    deviation: dev === DEVIATION_NS ? null : (dev << 16) >> 16,
    clockStatus: orNull(b[at + 11]!),
  };
}

/** The date-time of a Unix instant as shown by a clock `deviation` minutes off UTC (UTC = local + deviation). */
export function dateTimeFromUnix(unixS: number, options: { deviation?: number; clockStatus?: number; hundredths?: boolean } = {}): CosemDateTime {
  const deviation = options.deviation ?? 0;
  const local = new Date((unixS - deviation * 60) * 1000);
  const weekday = local.getUTCDay();
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    dayOfMonth: local.getUTCDate(),
    dayOfWeek: weekday === 0 ? 7 : weekday,
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    hundredths: options.hundredths ? Math.floor(local.getUTCMilliseconds() / 10) : 0,
    deviation,
    clockStatus: options.clockStatus ?? 0,
  };
}

/**
 * Unix seconds of a fully specified date-time, or undefined when a field it needs is a wildcard
 * or a special value. A date-time without deviation is read with `assumeDeviation` (default 0, UTC).
 */
export function dateTimeToUnix(dt: CosemDateTime, assumeDeviation = 0): number | undefined {
  const { year, month, dayOfMonth, hour, minute, second } = dt;
  if (year === null || month === null || dayOfMonth === null || hour === null || minute === null || second === null) return undefined;
  if (month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  return daysFromCivil(year, month, dayOfMonth) * 86400 + hour * 3600 + minute * 60 + second + (dt.deviation ?? assumeDeviation) * 60;
}

/**
 * The same, read straight from the 12 encoded bytes at `at` (no intermediate object): the hot
 * path of profile buffers, one clock per entry.
 */
export function dateTimeBytesToUnix(b: Uint8Array, at = 0, assumeDeviation = 0): number | undefined {
  const year = (b[at]! << 8) | b[at + 1]!;
  const month = b[at + 2]!;
  const day = b[at + 3]!;
  const hour = b[at + 5]!;
  const minute = b[at + 6]!;
  const second = b[at + 7]!;
  if (year === 0xffff || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const dev = (b[at + 9]! << 8) | b[at + 10]!;
  const deviation = dev === DEVIATION_NS ? assumeDeviation : (dev << 16) >> 16;
  return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second + deviation * 60;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-compatible low-level date algorithms"). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const two = (v: number | null): string => (v === null ? '**' : String(v).padStart(2, '0'));

/** ISO 8601-like text; wildcards print as '*'. */
export function formatDateTime(dt: CosemDateTime): string {
  const year = dt.year === null ? '****' : String(dt.year).padStart(4, '0');
  let zone = '';
  if (dt.deviation !== null) {
    const offset = -dt.deviation;
    const abs = Math.abs(offset);
    zone = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
  }
  return `${year}-${two(dt.month)}-${two(dt.dayOfMonth)}T${two(dt.hour)}:${two(dt.minute)}:${two(dt.second)}${zone}`;
}
