/** Turning COSEM values into JSON, text and CSV for the CLI. */
import { toHex as toHexBytes } from '@wattledger/protocol';
import { applyScaler, decodeDateTime, formatDateTime, formatObis, unitSymbol, type DlmsData, type ScalerUnit } from '@wattledger/protocol/dlms';

/** JSON-friendly form: numbers, strings; octet strings as hex (12-byte ones also as a date-time). */
export function toJson(data: DlmsData): unknown {
  switch (data.type) {
    case 'null':
    case 'dont-care':
      return null;
    case 'array':
    case 'structure':
    case 'compact-array':
      return data.items.map(toJson);
    case 'octet-string':
      if (data.value.length === 12 && (data.value[0] === 0xff || data.value[0]! >= 0x07)) {
        const dt = decodeDateTime(data.value);
        if (dt.month === null || (dt.month >= 1 && dt.month <= 12)) return formatDateTime(dt);
      }
      if (data.value.length === 6) return formatObis(data.value);
      return toHexBytes(data.value);
    case 'bit-string':
      return toHexBytes(data.bytes);
    case 'long64':
    case 'long64-unsigned':
      return data.value.toString();
    case 'date-time':
      return formatDateTime(data.value);
    case 'date':
    case 'time':
      return data.value;
    default:
      return data.value;
  }
}

export function toText(data: DlmsData): string {
  const json = toJson(data);
  return typeof json === 'string' ? json : JSON.stringify(json);
}

export function scaled(data: DlmsData, su: ScalerUnit | undefined): { value: number; unit: string } | undefined {
  if (su === undefined || !('value' in data) || typeof data.value !== 'number') return undefined;
  return { value: applyScaler(data.value, su.scaler), unit: unitSymbol(su.unit) };
}

export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
