/**
 * A-XDR encoding of the COSEM `Data` CHOICE (IEC 61334-6 A-XDR, DLMS UA Green Book §9.5
 * "Data ::= CHOICE"): one tag byte, then the value; arrays, structures, strings and bit strings
 * carry a BER length; compact-array (tag 19) carries a type description and the untagged values.
 * The delta types (28..33) are decoded and encoded as plain integers; their accumulation inside
 * a delta-encoded compact array is not applied here. Decoded octet-strings and bit-strings are
 * views into the input bytes (no copy on the hot path): copy them if the input is reused.
 */
import { ByteReader, ByteWriter } from './byte-io.js';
import { decodeDateTime, encodeDate, encodeDateTime, encodeTime, readDate, readTime, type CosemDate, type CosemDateTime, type CosemTime } from './date-time.js';
import { AxdrError } from './errors.js';

export const DataTag = Object.freeze({
  NULL: 0, ARRAY: 1, STRUCTURE: 2, BOOLEAN: 3, BIT_STRING: 4, DOUBLE_LONG: 5, DOUBLE_LONG_UNSIGNED: 6,
  OCTET_STRING: 9, VISIBLE_STRING: 10, UTF8_STRING: 12, BCD: 13, INTEGER: 15, LONG: 16, UNSIGNED: 17,
  LONG_UNSIGNED: 18, COMPACT_ARRAY: 19, LONG64: 20, LONG64_UNSIGNED: 21, ENUM: 22, FLOAT32: 23,
  FLOAT64: 24, DATE_TIME: 25, DATE: 26, TIME: 27, DELTA_INTEGER: 28, DELTA_LONG: 29,
  DELTA_DOUBLE_LONG: 30, DELTA_UNSIGNED: 31, DELTA_LONG_UNSIGNED: 32, DELTA_DOUBLE_LONG_UNSIGNED: 33,
  DONT_CARE: 255,
} as const);

/** Fixed-size integer types: tag, byte width, signed. */
const INTEGERS = Object.freeze({
  'double-long': [5, 4, true], 'double-long-unsigned': [6, 4, false], bcd: [13, 1, true], integer: [15, 1, true],
  long: [16, 2, true], unsigned: [17, 1, false], 'long-unsigned': [18, 2, false], enum: [22, 1, false],
  'delta-integer': [28, 1, true], 'delta-long': [29, 2, true], 'delta-double-long': [30, 4, true],
  'delta-unsigned': [31, 1, false], 'delta-long-unsigned': [32, 2, false], 'delta-double-long-unsigned': [33, 4, false],
} as const);
export type IntegerType = keyof typeof INTEGERS;
const INTEGER_BY_TAG: Record<number, IntegerType> = Object.fromEntries(Object.entries(INTEGERS).map(([name, [tag]]) => [tag, name as IntegerType]));

export type DlmsData =
  | { readonly type: 'null' }
  | { readonly type: 'dont-care' }
  | { readonly type: 'array'; readonly items: readonly DlmsData[] }
  | { readonly type: 'structure'; readonly items: readonly DlmsData[] }
  | { readonly type: 'compact-array'; readonly element: TypeDescription; readonly items: readonly DlmsData[] }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'bit-string'; readonly bits: number; readonly bytes: Uint8Array }
  | { readonly type: IntegerType; readonly value: number }
  | { readonly type: 'long64' | 'long64-unsigned'; readonly value: bigint }
  | { readonly type: 'float32' | 'float64'; readonly value: number }
  | { readonly type: 'octet-string'; readonly value: Uint8Array }
  | { readonly type: 'visible-string' | 'utf8-string'; readonly value: string }
  | { readonly type: 'date-time'; readonly value: CosemDateTime }
  | { readonly type: 'date'; readonly value: CosemDate }
  | { readonly type: 'time'; readonly value: CosemTime };

export type DlmsDataType = DlmsData['type'];

/** TypeDescription of compact-array: a simple tag, an array of n of one type, or a structure. */
export type TypeDescription =
  | { readonly tag: number }
  | { readonly tag: 1; readonly count: number; readonly element: TypeDescription }
  | { readonly tag: 2; readonly members: readonly TypeDescription[] };

const MAX_DEPTH = 32;
/** Created on first use: hosts without TextDecoder (some XS builds) can still load the module. */
let textDecoder: { decode(bytes: Uint8Array): string } | undefined;
const textEncoder = new TextEncoder();

/** Small constructors, e.g. `Data.structure(Data.u32(5), Data.octetString(bytes))`. */
export const Data = Object.freeze({
  null: (): DlmsData => ({ type: 'null' }),
  array: (items: readonly DlmsData[]): DlmsData => ({ type: 'array', items }),
  structure: (...items: DlmsData[]): DlmsData => ({ type: 'structure', items }),
  boolean: (value: boolean): DlmsData => ({ type: 'boolean', value }),
  i8: (value: number): DlmsData => ({ type: 'integer', value }),
  i16: (value: number): DlmsData => ({ type: 'long', value }),
  i32: (value: number): DlmsData => ({ type: 'double-long', value }),
  u8: (value: number): DlmsData => ({ type: 'unsigned', value }),
  u16: (value: number): DlmsData => ({ type: 'long-unsigned', value }),
  u32: (value: number): DlmsData => ({ type: 'double-long-unsigned', value }),
  i64: (value: bigint): DlmsData => ({ type: 'long64', value }),
  u64: (value: bigint): DlmsData => ({ type: 'long64-unsigned', value }),
  enum: (value: number): DlmsData => ({ type: 'enum', value }),
  octetString: (value: Uint8Array): DlmsData => ({ type: 'octet-string', value }),
  visibleString: (value: string): DlmsData => ({ type: 'visible-string', value }),
  dateTime: (value: CosemDateTime): DlmsData => ({ type: 'date-time', value }),
});

function badValue(why: string): never {
  throw new AxdrError('DLMS_AXDR_BAD_VALUE', `A-XDR: ${why}`);
}

export function encodeData(data: DlmsData): Uint8Array {
  const w = new ByteWriter(64);
  writeData(w, data, 0);
  return w.finish();
}

export function writeData(w: ByteWriter, data: DlmsData, depth = 0): void {
  if (depth > MAX_DEPTH) throw new AxdrError('DLMS_AXDR_TOO_DEEP', `A-XDR: nesting deeper than ${MAX_DEPTH}`);
  const tag = tagOf(data);
  w.u8(tag);
  writeValue(w, data, depth);
}

function tagOf(data: DlmsData): number {
  switch (data.type) {
    case 'null': return 0;
    case 'array': return 1;
    case 'structure': return 2;
    case 'boolean': return 3;
    case 'bit-string': return 4;
    case 'octet-string': return 9;
    case 'visible-string': return 10;
    case 'utf8-string': return 12;
    case 'compact-array': return 19;
    case 'long64': return 20;
    case 'long64-unsigned': return 21;
    case 'float32': return 23;
    case 'float64': return 24;
    case 'date-time': return 25;
    case 'date': return 26;
    case 'time': return 27;
    case 'dont-care': return 255;
    default: {
      const spec = INTEGERS[data.type];
      if (spec === undefined) throw new TypeError(`unknown A-XDR type ${(data as { type: string }).type}`);
      return spec[0];
    }
  }
}

/** Writes the value without its tag (the form used inside compact arrays). */
function writeValue(w: ByteWriter, data: DlmsData, depth: number): void {
  switch (data.type) {
    case 'null':
    case 'dont-care':
      return;
    case 'array':
    case 'structure':
      w.berLength(data.items.length);
      for (const item of data.items) writeData(w, item, depth + 1);
      return;
    case 'compact-array': {
      writeTypeDescription(w, data.element);
      const contents = new ByteWriter(64);
      for (const item of data.items) writeDescribed(contents, data.element, item, depth + 1);
      w.berLength(contents.length).bytes(contents.finish());
      return;
    }
    case 'boolean':
      w.u8(data.value ? 0xff : 0x00);
      return;
    case 'bit-string': {
      const needed = Math.ceil(data.bits / 8);
      if (data.bytes.length !== needed) badValue(`bit-string of ${data.bits} bits needs ${needed} bytes, got ${data.bytes.length}`);
      w.berLength(data.bits).bytes(data.bytes);
      return;
    }
    case 'octet-string':
      w.berLength(data.value.length).bytes(data.value);
      return;
    case 'visible-string': {
      if (!/^[\x20-\x7e]*$/.test(data.value)) badValue('visible-string holds characters outside 0x20..0x7E');
      w.berLength(data.value.length);
      for (let i = 0; i < data.value.length; i++) w.u8(data.value.charCodeAt(i));
      return;
    }
    case 'utf8-string': {
      const bytes = textEncoder.encode(data.value);
      w.berLength(bytes.length).bytes(bytes);
      return;
    }
    case 'long64':
    case 'long64-unsigned': {
      const signed = data.type === 'long64';
      const v = data.value;
      if (typeof v !== 'bigint' || (signed ? BigInt.asIntN(64, v) !== v : BigInt.asUintN(64, v) !== v)) badValue(`${data.type} out of range: ${String(v)}`);
      const u = BigInt.asUintN(64, v);
      w.u32(Number(u >> 32n)).u32(Number(u & 0xffffffffn));
      return;
    }
    case 'float32':
    case 'float64': {
      const size = data.type === 'float32' ? 4 : 8;
      const buf = new Uint8Array(size);
      const view = new DataView(buf.buffer);
      if (size === 4) view.setFloat32(0, data.value);
      else view.setFloat64(0, data.value);
      w.bytes(buf);
      return;
    }
    case 'date-time':
      w.bytes(encodeDateTime(data.value));
      return;
    case 'date':
      w.bytes(encodeDate(data.value));
      return;
    case 'time':
      w.bytes(encodeTime(data.value));
      return;
    default: {
      const [, width, signed] = INTEGERS[data.type];
      const v = data.value;
      const min = signed ? -(2 ** (width * 8 - 1)) : 0;
      const max = signed ? 2 ** (width * 8 - 1) - 1 : 2 ** (width * 8) - 1;
      if (!Number.isInteger(v) || v < min || v > max) badValue(`${data.type} ${v} outside ${min}..${max}`);
      if (width === 1) w.u8(v);
      else if (width === 2) w.u16(v & 0xffff);
      else w.u32(v >>> 0);
    }
  }
}

function writeTypeDescription(w: ByteWriter, d: TypeDescription): void {
  w.u8(d.tag);
  if (d.tag === 1 && 'element' in d) {
    w.u16(d.count);
    writeTypeDescription(w, d.element);
  } else if (d.tag === 2 && 'members' in d) {
    w.berLength(d.members.length);
    for (const m of d.members) writeTypeDescription(w, m);
  }
}

function writeDescribed(w: ByteWriter, d: TypeDescription, data: DlmsData, depth: number): void {
  if (depth > MAX_DEPTH) throw new AxdrError('DLMS_AXDR_TOO_DEEP', `A-XDR: nesting deeper than ${MAX_DEPTH}`);
  if (d.tag === 1 && 'element' in d) {
    if (data.type !== 'array' || data.items.length !== d.count) badValue(`compact-array element must be an array of ${d.count}`);
    for (const item of data.items) writeDescribed(w, d.element, item, depth + 1);
  } else if (d.tag === 2 && 'members' in d) {
    if (data.type !== 'structure' || data.items.length !== d.members.length) badValue(`compact-array element must be a structure of ${d.members.length}`);
    data.items.forEach((item, i) => writeDescribed(w, d.members[i]!, item, depth + 1));
  } else {
    if (tagOf(data) !== d.tag) badValue(`compact-array element of type ${data.type} where tag ${d.tag} is described`);
    writeValue(w, data, depth);
  }
}

/** Decodes exactly one Data value spanning all of `bytes`. */
export function decodeData(bytes: Uint8Array): DlmsData {
  const r = new ByteReader(bytes, { what: 'A-XDR data' });
  const data = readData(r);
  r.done();
  return data;
}

export function readData(r: ByteReader, depth = 0): DlmsData {
  if (depth > MAX_DEPTH) throw new AxdrError('DLMS_AXDR_TOO_DEEP', `A-XDR: nesting deeper than ${MAX_DEPTH}`);
  return readValue(r, r.u8(), depth);
}

function readValue(r: ByteReader, tag: number, depth: number): DlmsData {
  switch (tag) {
    case 0: return NULL_DATA;
    case 255: return { type: 'dont-care' };
    case 1:
    case 2: {
      const count = r.length();
      if (count > r.remaining) r.truncated(count);
      const items: DlmsData[] = new Array(count);
      for (let i = 0; i < count; i++) items[i] = readData(r, depth + 1);
      return tag === 1 ? { type: 'array', items } : { type: 'structure', items };
    }
    case 3: return { type: 'boolean', value: r.u8() !== 0 };
    case 4: {
      const bits = r.length();
      return { type: 'bit-string', bits, bytes: r.take(Math.ceil(bits / 8)) };
    }
    case 5: return { type: 'double-long', value: r.u32() | 0 };
    case 6: return { type: 'double-long-unsigned', value: r.u32() };
    case 15: return { type: 'integer', value: (r.u8() << 24) >> 24 };
    case 16: return { type: 'long', value: (r.u16() << 16) >> 16 };
    case 17: return { type: 'unsigned', value: r.u8() };
    case 18: return { type: 'long-unsigned', value: r.u16() };
    case 22: return { type: 'enum', value: r.u8() };
    case 9: return { type: 'octet-string', value: r.take(r.length()) };
    case 10: {
      const raw = r.take(r.length());
      let value = '';
      for (let i = 0; i < raw.length; i++) value += String.fromCharCode(raw[i]!);
      return { type: 'visible-string', value };
    }
    case 12: {
      const raw = r.take(r.length());
      try {
        textDecoder ??= new TextDecoder('utf-8', { fatal: true });
        return { type: 'utf8-string', value: textDecoder.decode(raw) };
      } catch {
        return r.malformed('utf8-string is not valid UTF-8');
      }
    }
    case 19: return readCompactArray(r, depth);
    case 20:
    case 21: {
      const hi = BigInt(r.u32());
      const u = (hi << 32n) | BigInt(r.u32());
      return tag === 20 ? { type: 'long64', value: BigInt.asIntN(64, u) } : { type: 'long64-unsigned', value: u };
    }
    case 23: {
      const b = r.take(4);
      return { type: 'float32', value: new DataView(b.buffer, b.byteOffset, 4).getFloat32(0) };
    }
    case 24: {
      const b = r.take(8);
      return { type: 'float64', value: new DataView(b.buffer, b.byteOffset, 8).getFloat64(0) };
    }
    case 25: {
      const at = r.offset;
      r.take(12);
      return { type: 'date-time', value: decodeDateTime(r.bytes, at) };
    }
    case 26: return { type: 'date', value: readDate(r) };
    case 27: return { type: 'time', value: readTime(r) };
    default: {
      const type = INTEGER_BY_TAG[tag];
      if (type === undefined) throw new AxdrError('DLMS_AXDR_BAD_TAG', `A-XDR: unknown data tag ${tag} at byte ${r.offset - 1}`);
      const [, width, signed] = INTEGERS[type];
      let value: number;
      if (width === 1) value = signed ? (r.u8() << 24) >> 24 : r.u8();
      else if (width === 2) value = signed ? (r.u16() << 16) >> 16 : r.u16();
      else value = signed ? r.u32() | 0 : r.u32();
      return { type, value };
    }
  }
}

const NULL_DATA: DlmsData = Object.freeze({ type: 'null' });

function readTypeDescription(r: ByteReader, depth: number): TypeDescription {
  if (depth > MAX_DEPTH) throw new AxdrError('DLMS_AXDR_TOO_DEEP', `A-XDR: type description deeper than ${MAX_DEPTH}`);
  const tag = r.u8();
  if (tag === 1) {
    const count = r.u16();
    return { tag: 1, count, element: readTypeDescription(r, depth + 1) };
  }
  if (tag === 2) {
    const n = r.length();
    if (n > r.remaining) r.truncated(n);
    const members: TypeDescription[] = [];
    for (let i = 0; i < n; i++) members.push(readTypeDescription(r, depth + 1));
    return { tag: 2, members };
  }
  if (tag === 19 || (INTEGER_BY_TAG[tag] === undefined && ![0, 3, 4, 9, 10, 12, 20, 21, 23, 24, 25, 26, 27, 255].includes(tag))) {
    throw new AxdrError('DLMS_AXDR_BAD_TAG', `A-XDR: tag ${tag} cannot describe a compact-array element`);
  }
  return { tag };
}

function readDescribed(r: ByteReader, d: TypeDescription, depth: number): DlmsData {
  if (depth > MAX_DEPTH) throw new AxdrError('DLMS_AXDR_TOO_DEEP', `A-XDR: nesting deeper than ${MAX_DEPTH}`);
  if (d.tag === 1 && 'element' in d) {
    const items: DlmsData[] = [];
    for (let i = 0; i < d.count; i++) items.push(readDescribed(r, d.element, depth + 1));
    return { type: 'array', items };
  }
  if (d.tag === 2 && 'members' in d) return { type: 'structure', items: d.members.map((m) => readDescribed(r, m, depth + 1)) };
  return readValue(r, d.tag, depth);
}

function readCompactArray(r: ByteReader, depth: number): DlmsData {
  const element = readTypeDescription(r, depth + 1);
  const length = r.length();
  const end = r.offset + length;
  if (end > r.end) r.truncated(length);
  const inner = new ByteReader(r.bytes, { offset: r.offset, end, what: 'A-XDR compact-array' });
  const items: DlmsData[] = [];
  while (inner.remaining > 0) {
    const before = inner.offset;
    items.push(readDescribed(inner, element, depth + 1));
    if (inner.offset === before) r.malformed('compact-array of zero-size elements');
  }
  r.offset = end;
  return { type: 'compact-array', element, items };
}

/** A short human-readable rendering for logs and the CLI. */
export function formatData(data: DlmsData): string {
  switch (data.type) {
    case 'null': return 'null';
    case 'dont-care': return 'dont-care';
    case 'array':
    case 'compact-array': return `[${data.items.map(formatData).join(', ')}]`;
    case 'structure': return `{${data.items.map(formatData).join(', ')}}`;
    case 'octet-string': return Array.from(data.value, (b) => b.toString(16).padStart(2, '0')).join('');
    case 'bit-string': return `${data.bits} bits`;
    case 'visible-string':
    case 'utf8-string': return JSON.stringify(data.value);
    case 'date-time':
    case 'date':
    case 'time': return JSON.stringify(data.value);
    default: return String(data.value);
  }
}

/** The number a numeric Data holds (integers, enums, floats; 64-bit when safe). */
export function dataNumber(data: DlmsData): number | undefined {
  switch (data.type) {
    case 'long64':
    case 'long64-unsigned': {
      const n = Number(data.value);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    case 'boolean': return data.value ? 1 : 0;
    default: return 'value' in data && typeof data.value === 'number' ? data.value : undefined;
  }
}
