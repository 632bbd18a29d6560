/**
 * scaler_unit of the Register class (Blue Book §4.3.2): structure { scaler integer, unit enum },
 * value × 10^scaler in the unit; units from the table of Blue Book §4.3.2 (IEC 62056-6-2).
 */
import { Data, type DlmsData } from './axdr.js';
import { AxdrError } from './errors.js';

export interface ScalerUnit {
  readonly scaler: number;
  readonly unit: number;
}

export const Unit = Object.freeze({
  YEAR: 1, MONTH: 2, WEEK: 3, DAY: 4, HOUR: 5, MINUTE: 6, SECOND: 7, DEGREE: 8, DEGREE_CELSIUS: 9, CURRENCY: 10,
  METRE: 11, METRE_PER_SECOND: 12, CUBIC_METRE: 13, CUBIC_METRE_CORRECTED: 14, CUBIC_METRE_PER_HOUR: 15,
  LITRE: 19, KILOGRAM: 20, NEWTON: 21, PASCAL: 23, BAR: 24, JOULE: 25, JOULE_PER_HOUR: 26,
  WATT: 27, VOLT_AMPERE: 28, VAR: 29, WATT_HOUR: 30, VOLT_AMPERE_HOUR: 31, VAR_HOUR: 32,
  AMPERE: 33, COULOMB: 34, VOLT: 35, VOLT_PER_METRE: 36, FARAD: 37, OHM: 38, WEBER: 40, TESLA: 41,
  HERTZ: 44, KELVIN: 52, PERCENT: 56, AMPERE_HOUR: 57, DBM: 70, OTHER: 254, COUNT: 255,
} as const);

const SYMBOLS: Readonly<Record<number, string>> = Object.freeze({
  1: 'a', 2: 'mo', 3: 'wk', 4: 'd', 5: 'h', 6: 'min', 7: 's', 8: '°', 9: '°C', 10: 'currency', 11: 'm', 12: 'm/s',
  13: 'm³', 14: 'm³', 15: 'm³/h', 19: 'l', 20: 'kg', 21: 'N', 23: 'Pa', 24: 'bar', 25: 'J', 26: 'J/h', 27: 'W',
  28: 'VA', 29: 'var', 30: 'Wh', 31: 'VAh', 32: 'varh', 33: 'A', 34: 'C', 35: 'V', 36: 'V/m', 37: 'F', 38: 'Ω',
  40: 'Wb', 41: 'T', 44: 'Hz', 52: 'K', 56: '%', 57: 'Ah', 70: 'dBm', 254: '', 255: '',
});

export function unitSymbol(unit: number): string {
  return SYMBOLS[unit] ?? `unit-${unit}`;
}

export function decodeScalerUnit(data: DlmsData): ScalerUnit {
  if (data.type !== 'structure' || data.items.length !== 2) throw new AxdrError('DLMS_AXDR_BAD_VALUE', 'scaler_unit: structure of 2 expected');
  const [scaler, unit] = data.items;
  if (scaler?.type !== 'integer' || unit?.type !== 'enum') throw new AxdrError('DLMS_AXDR_BAD_VALUE', 'scaler_unit: {integer, enum} expected');
  return { scaler: scaler.value, unit: unit.value };
}

export function encodeScalerUnit(su: ScalerUnit): DlmsData {
  return Data.structure(Data.i8(su.scaler), Data.enum(su.unit));
}

/** value × 10^scaler, exact for integer results (no 0.1 + 0.2 drift for negative scalers). */
export function applyScaler(value: number, scaler: number): number {
  if (scaler >= 0) return value * 10 ** scaler;
  return value / 10 ** -scaler;
}

export function formatScaled(value: number, su: ScalerUnit): string {
  const scaled = applyScaler(value, su.scaler);
  const symbol = unitSymbol(su.unit);
  return symbol === '' ? String(scaled) : `${scaled} ${symbol}`;
}
