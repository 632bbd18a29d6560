/**
 * Profile generic (class_id 7, Blue Book §4.3.6): capture objects, the selective access
 * descriptors of attribute 2 (buffer) and the decoding of buffer rows.
 *
 *   capture_object_definition ::= structure { class_id long-unsigned, logical_name octet-string,
 *                                             attribute_index integer, data_index long-unsigned }
 *   range_descriptor (selector 1) ::= structure { restricting_object capture_object_definition,
 *                                     from_value, to_value, selected_values array of capture_object_definition }
 *   entry_descriptor (selector 2) ::= structure { from_entry, to_entry double-long-unsigned,
 *                                     from_selected_value, to_selected_value long-unsigned }
 *
 * Entries and columns count from 1; to_entry / to_selected_value 0 mean "up to the last". A
 * meter may send null-data in the clock column of an entry that follows the previous one by
 * exactly one capture period; decoding fills those timestamps in.
 */
import { Data, type DlmsData } from './axdr.js';
import { CosemClass } from './cosem-class.js';
import { dateTimeBytesToUnix, dateTimeFromUnix, dateTimeToUnix, encodeDateTime, type CosemDateTime } from './date-time.js';
import { ProfileError } from './errors.js';
import { formatObis, parseObis } from './obis.js';
import type { SelectiveAccess } from './apdu/descriptors.js';

export const AccessSelector = Object.freeze({ RANGE: 1, ENTRY: 2 } as const);

export interface CaptureObject {
  readonly classId: number;
  readonly obis: Uint8Array;
  readonly attribute: number;
  readonly dataIndex: number;
}

export const CLOCK_CAPTURE_OBJECT: CaptureObject = Object.freeze({ classId: CosemClass.CLOCK, obis: parseObis('0.0.1.0.0.255'), attribute: 2, dataIndex: 0 });

export function captureObject(classId: number, obis: string, attribute: number, dataIndex = 0): CaptureObject {
  return { classId, obis: parseObis(obis), attribute, dataIndex };
}

export function describeCaptureObject(c: CaptureObject): string {
  return `${formatObis(c.obis)}:${c.attribute}${c.dataIndex ? `[${c.dataIndex}]` : ''}`;
}

export function encodeCaptureObject(c: CaptureObject): DlmsData {
  return Data.structure(Data.u16(c.classId), Data.octetString(c.obis), Data.i8(c.attribute), Data.u16(c.dataIndex));
}

function bad(why: string): never {
  throw new ProfileError('DLMS_PROFILE_BAD_BUFFER', `profile generic: ${why}`);
}

export function decodeCaptureObject(data: DlmsData): CaptureObject {
  if (data.type !== 'structure' || data.items.length !== 4) bad('capture_object_definition must be a structure of 4');
  const [classId, obis, attribute, dataIndex] = data.items;
  if (classId?.type !== 'long-unsigned' || obis?.type !== 'octet-string' || obis.value.length !== 6 || attribute?.type !== 'integer' || dataIndex?.type !== 'long-unsigned') {
    bad('capture_object_definition must be {long-unsigned, octet-string(6), integer, long-unsigned}');
  }
  return { classId: classId.value, obis: obis.value, attribute: attribute.value, dataIndex: dataIndex.value };
}

/** Attribute 3, capture_objects. */
export function decodeCaptureObjects(data: DlmsData): CaptureObject[] {
  if (data.type !== 'array') bad('capture_objects must be an array');
  return data.items.map(decodeCaptureObject);
}

export function encodeCaptureObjects(objects: readonly CaptureObject[]): DlmsData {
  return Data.array(objects.map(encodeCaptureObject));
}

export interface RangeDescriptor {
  readonly restrictingObject: CaptureObject;
  readonly from: DlmsData;
  readonly to: DlmsData;
  /** Columns to return; empty = all. */
  readonly columns: readonly CaptureObject[];
}

export interface EntryDescriptor {
  readonly fromEntry: number;
  /** 0 = the last entry. */
  readonly toEntry: number;
  readonly fromColumn: number;
  /** 0 = the last column. */
  readonly toColumn: number;
}

/** Range access restricted by the clock: `from`/`to` are Unix seconds or COSEM date-times. */
export function rangeAccess(options: { from: number | CosemDateTime; to: number | CosemDateTime; deviation?: number; columns?: readonly CaptureObject[]; restrictingObject?: CaptureObject }): SelectiveAccess {
  const toData = (v: number | CosemDateTime): DlmsData =>
    Data.octetString(encodeDateTime(typeof v === 'number' ? dateTimeFromUnix(v, { deviation: options.deviation ?? 0 }) : v));
  return {
    selector: AccessSelector.RANGE,
    parameters: Data.structure(
      encodeCaptureObject(options.restrictingObject ?? CLOCK_CAPTURE_OBJECT),
      toData(options.from),
      toData(options.to),
      Data.array((options.columns ?? []).map(encodeCaptureObject)),
    ),
  };
}

export function entryAccess(options: { fromEntry: number; toEntry?: number; fromColumn?: number; toColumn?: number }): SelectiveAccess {
  const { fromEntry, toEntry = 0, fromColumn = 1, toColumn = 0 } = options;
  if (!Number.isInteger(fromEntry) || fromEntry < 1) throw new RangeError(`from_entry counts from 1, got ${fromEntry}`);
  return { selector: AccessSelector.ENTRY, parameters: Data.structure(Data.u32(fromEntry), Data.u32(toEntry), Data.u16(fromColumn), Data.u16(toColumn)) };
}

export function decodeRangeDescriptor(parameters: DlmsData): RangeDescriptor {
  if (parameters.type !== 'structure' || parameters.items.length !== 4) bad('range_descriptor must be a structure of 4');
  const [restricting, from, to, selected] = parameters.items as [DlmsData, DlmsData, DlmsData, DlmsData];
  if (selected.type !== 'array') bad('range_descriptor selected_values must be an array');
  return { restrictingObject: decodeCaptureObject(restricting), from, to, columns: selected.items.map(decodeCaptureObject) };
}

export function decodeEntryDescriptor(parameters: DlmsData): EntryDescriptor {
  if (parameters.type !== 'structure' || parameters.items.length !== 4) bad('entry_descriptor must be a structure of 4');
  const [fromEntry, toEntry, fromColumn, toColumn] = parameters.items;
  if (fromEntry?.type !== 'double-long-unsigned' || toEntry?.type !== 'double-long-unsigned' || fromColumn?.type !== 'long-unsigned' || toColumn?.type !== 'long-unsigned') {
    bad('entry_descriptor must be {double-long-unsigned, double-long-unsigned, long-unsigned, long-unsigned}');
  }
  return { fromEntry: fromEntry.value, toEntry: toEntry.value, fromColumn: fromColumn.value, toColumn: toColumn.value };
}

/** Unix seconds of a clock value (octet-string(12) or date-time), undefined for null or wildcards. */
export function clockValueToUnix(value: DlmsData, assumeDeviation = 0): number | undefined {
  if (value.type === 'date-time') return dateTimeToUnix(value.value, assumeDeviation);
  if (value.type === 'octet-string' && value.value.length === 12) return dateTimeBytesToUnix(value.value, 0, assumeDeviation);
  return undefined;
}

export interface ProfileRow {
  /** Unix seconds of the entry's clock column, filled from the capture period when the meter sent null. */
  readonly timestamp: number | undefined;
  readonly values: readonly DlmsData[];
}

export interface DecodeBufferOptions {
  /** The columns present in the buffer, in order (after any column selection). */
  readonly columns: readonly CaptureObject[];
  /** capture_period in seconds (attribute 4), to fill null timestamps. */
  readonly capturePeriod?: number;
  /** Timestamp of the entry before the first one in this buffer, when a read continues. */
  readonly previousTimestamp?: number;
  /** Deviation to assume for clock values that do not state one (minutes, UTC = local + deviation). */
  readonly assumeDeviation?: number;
}

/** Decodes attribute 2 (buffer): an array of structures, one per entry. */
export function decodeProfileBuffer(buffer: DlmsData, options: DecodeBufferOptions): ProfileRow[] {
  if (buffer.type !== 'array' && buffer.type !== 'compact-array') bad('buffer must be an array of entries');
  const clockColumn = options.columns.findIndex((c) => c.classId === CosemClass.CLOCK && c.attribute === 2);
  const rows: ProfileRow[] = [];
  let previous = options.previousTimestamp;
  for (let i = 0; i < buffer.items.length; i++) {
    const entry = buffer.items[i]!;
    if (entry.type !== 'structure') bad(`entry ${i + 1} is ${entry.type}, not a structure`);
    if (options.columns.length > 0 && entry.items.length !== options.columns.length) bad(`entry ${i + 1} has ${entry.items.length} values for ${options.columns.length} capture objects`);
    let timestamp: number | undefined;
    if (clockColumn >= 0) {
      const clock = entry.items[clockColumn]!;
      if (clock.type === 'null') {
        if (previous === undefined || !options.capturePeriod) {
          throw new ProfileError('DLMS_PROFILE_NO_CLOCK', `profile generic: entry ${i + 1} has a null timestamp and no previous entry or capture period to derive it from`);
        }
        timestamp = previous + options.capturePeriod;
      } else {
        timestamp = clockValueToUnix(clock, options.assumeDeviation);
      }
      previous = timestamp;
    }
    rows.push({ timestamp, values: entry.items });
  }
  return rows;
}
