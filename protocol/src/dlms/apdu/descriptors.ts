/**
 * Pieces shared by GET, SET and ACTION (IEC 62056-5-3 §8): Invoke-Id-And-Priority,
 * Cosem-Attribute-Descriptor {class-id Unsigned16, instance-id OCTET STRING (SIZE(6)),
 * attribute-id Integer8}, Cosem-Method-Descriptor, Selective-Access-Descriptor {access-selector
 * Unsigned8, access-parameters Data} and Get-Data-Result CHOICE {data [0], data-access-result [1]}.
 */
import { readData, writeData, type DlmsData } from '../axdr.js';
import type { ByteReader, ByteWriter } from '../byte-io.js';
import { formatObis, parseObis } from '../obis.js';

/** bit 7 high priority, bit 6 confirmed service, bits 0..3 invoke id. */
export function invokeIdAndPriority(id: number, options: { highPriority?: boolean; confirmed?: boolean } = {}): number {
  if (!Number.isInteger(id) || id < 0 || id > 15) throw new RangeError(`invoke id 0..15 expected, got ${id}`);
  return ((options.highPriority ?? true) ? 0x80 : 0) | ((options.confirmed ?? true) ? 0x40 : 0) | id;
}

export const invokeIdOf = (iip: number): number => iip & 0x0f;

export interface AttributeReference {
  readonly classId: number;
  /** 6-byte logical name. */
  readonly obis: Uint8Array;
  readonly attribute: number;
}

export interface MethodReference {
  readonly classId: number;
  readonly obis: Uint8Array;
  readonly method: number;
}

export interface SelectiveAccess {
  /** 1 = range_descriptor, 2 = entry_descriptor for Profile generic. */
  readonly selector: number;
  readonly parameters: DlmsData;
}

export interface AttributeWithSelection {
  readonly attribute: AttributeReference;
  readonly access?: SelectiveAccess | undefined;
}

/** `{ classId, obis: '1.0.1.8.0.255', attribute }` with the OBIS text parsed. */
export function attributeRef(classId: number, obis: string | Uint8Array, attribute: number): AttributeReference {
  return { classId, obis: typeof obis === 'string' ? parseObis(obis) : obis, attribute };
}

export function methodRef(classId: number, obis: string | Uint8Array, method: number): MethodReference {
  return { classId, obis: typeof obis === 'string' ? parseObis(obis) : obis, method };
}

export function describeAttribute(a: AttributeReference): string {
  return `${formatObis(a.obis)} (class ${a.classId}, attribute ${a.attribute})`;
}

function writeReference(w: ByteWriter, classId: number, obis: Uint8Array, index: number): void {
  if (!Number.isInteger(classId) || classId < 0 || classId > 0xffff) throw new RangeError(`class id 0..65535 expected, got ${classId}`);
  if (obis.length !== 6) throw new RangeError('logical name of 6 bytes expected');
  if (!Number.isInteger(index) || index < -128 || index > 127) throw new RangeError(`attribute/method index -128..127 expected, got ${index}`);
  w.u16(classId).bytes(obis).u8(index);
}

export function writeAttribute(w: ByteWriter, a: AttributeReference): void {
  writeReference(w, a.classId, a.obis, a.attribute);
}

export function writeMethod(w: ByteWriter, m: MethodReference): void {
  writeReference(w, m.classId, m.obis, m.method);
}

export function readAttribute(r: ByteReader): AttributeReference {
  const classId = r.u16();
  const obis = r.take(6).slice();
  return { classId, obis, attribute: (r.u8() << 24) >> 24 };
}

export function readMethod(r: ByteReader): MethodReference {
  const classId = r.u16();
  const obis = r.take(6).slice();
  return { classId, obis, method: (r.u8() << 24) >> 24 };
}

export function writeSelection(w: ByteWriter, access: SelectiveAccess | undefined): void {
  if (access === undefined) {
    w.u8(0);
    return;
  }
  w.u8(1).u8(access.selector);
  writeData(w, access.parameters);
}

export function readSelection(r: ByteReader): SelectiveAccess | undefined {
  const present = r.u8();
  if (present === 0) return undefined;
  if (present !== 1) r.malformed(`OPTIONAL flag 0 or 1 expected, got ${present}`);
  const selector = r.u8();
  return { selector, parameters: readData(r) };
}

/** Get-Data-Result: the data, or the data-access-result the meter gave instead. */
export type DataResult = { readonly data: DlmsData; readonly error?: undefined } | { readonly data?: undefined; readonly error: number };

export function writeDataResult(w: ByteWriter, result: DataResult): void {
  if (result.error !== undefined) w.u8(1).u8(result.error);
  else {
    w.u8(0);
    writeData(w, result.data);
  }
}

export function readDataResult(r: ByteReader): DataResult {
  const choice = r.u8();
  if (choice === 0) return { data: readData(r) };
  if (choice === 1) return { error: r.u8() };
  return r.malformed(`Get-Data-Result choice 0 or 1 expected, got ${choice}`);
}
