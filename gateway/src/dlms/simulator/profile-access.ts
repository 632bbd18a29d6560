/**
 * Selective access to the simulated load profile's buffer (Blue Book §4.3.6): by range with
 * the clock as restricting object, or by entry numbers, each with column selection; optionally
 * with null timestamps for entries that follow the previous one by one capture period.
 */
import {
  AccessSelector, clockValueToUnix, CosemClass, DataAccessResult, decodeEntryDescriptor, decodeRangeDescriptor, DlmsError, formatObis,
  type CaptureObject, type DataResult, type DlmsData, type SelectiveAccess,
} from '@wattledger/protocol/dlms';
import type { MeterModel, ProfileEntry } from './meter-model.js';

const same = (a: CaptureObject, b: CaptureObject): boolean => a.classId === b.classId && a.attribute === b.attribute && formatObis(a.obis) === formatObis(b.obis);

export function selectBuffer(meter: MeterModel, access: SelectiveAccess): DataResult {
  let entries: ProfileEntry[];
  let columns: readonly CaptureObject[] = meter.columns;
  try {
    if (access.selector === AccessSelector.RANGE) {
      const range = decodeRangeDescriptor(access.parameters);
      if (range.restrictingObject.classId !== CosemClass.CLOCK || range.restrictingObject.attribute !== 2) return { error: DataAccessResult.OTHER_REASON };
      const from = clockValueToUnix(range.from, meter.deviation);
      const to = clockValueToUnix(range.to, meter.deviation);
      if (from === undefined || to === undefined) return { error: DataAccessResult.OTHER_REASON };
      if (range.columns.length > 0) {
        if (!range.columns.every((c) => meter.columns.some((m) => same(c, m)))) return { error: DataAccessResult.OTHER_REASON };
        columns = range.columns;
      }
      entries = meter.entriesBetween(from, to);
    } else if (access.selector === AccessSelector.ENTRY) {
      const e = decodeEntryDescriptor(access.parameters);
      const count = meter.entriesInUse;
      const last = e.toEntry === 0 ? count : Math.min(e.toEntry, count);
      entries = [];
      for (let n = Math.max(1, e.fromEntry); n <= last; n++) entries.push(meter.entry(n));
      const lastColumn = e.toColumn === 0 ? meter.columns.length : Math.min(e.toColumn, meter.columns.length);
      if (e.fromColumn < 1 || e.fromColumn > lastColumn) return { error: DataAccessResult.OTHER_REASON };
      columns = meter.columns.slice(e.fromColumn - 1, lastColumn);
    } else {
      return { error: DataAccessResult.OTHER_REASON };
    }
  } catch (error) {
    if (error instanceof DlmsError) return { error: DataAccessResult.TYPE_UNMATCHED };
    throw error;
  }
  const compress = meter.options.nullTimestamps ?? false;
  const rows: DlmsData[] = entries.map((entry, i) => ({
    type: 'structure',
    items: columns.map((c) =>
      compress && c.classId === CosemClass.CLOCK && i > 0 && entry.timestamp === entries[i - 1]!.timestamp + meter.capturePeriod ? { type: 'null' } : meter.columnValue(entry, c),
    ),
  }));
  return { data: { type: 'array', items: rows } };
}
