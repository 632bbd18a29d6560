/**
 * The signed interval reading of DESIGN §4.
 *
 * Payload (CBOR array, this order):
 *   [ version, meterId (8-byte bstr), seq, intervalStart (Unix s, UTC, aligned),
 *     intervalLength (s), importedWh, exportedWh, flags, productionMethod, prevHash (32 bytes) ]
 * Batch payload: a CBOR array of such arrays, signed once.
 *
 * The hash chain links each reading to the SHA-256 of the previous reading's payload bytes
 * (the exact bytes covered by the meter's signature). Hashing the payload rather than the
 * whole COSE_Sign1 keeps the link the same whether a reading travelled alone or in a batch.
 * The same hash is the reading's identity (`readingHash`), from which asset ids derive.
 */
import { equalBytes, equalsHex, fromHex, toHex } from './bytes.js';
import { decodeCbor, encodeCbor, MAX_CBOR_BYTES } from './cbor.js';
import { CanonicalReader, Major } from './cbor-canonical.js';
import './decode-options.js';
import { createSign1, decodeSign1, verifySign1, type Sign1 } from './cose.js';
import { BadReadingError } from './errors.js';
import { sha256, SHA256_BYTES } from './hash.js';
import { NO_PRODUCTION_METHOD, productionMethodByCode } from './production-method.js';
import type { Signer, Verifier } from './signer.js';

export const READING_VERSION = 1;
export const METER_ID_BYTES = 8;
export const DEFAULT_INTERVAL_S = 1800;
/** Largest energy per interval a reading can state: 2^32 - 1 Wh (keeps every integer in uint32 CBOR). */
export const MAX_INTERVAL_WH = 0xffffffff;
/** uint32: cbor-x writes larger numbers as floats, and 2^32 half-hour readings outlast any meter. */
export const MAX_SEQ = 0xffffffff;
/** One COSE_Sign1 carries at most this many readings (30 days of 15-min intervals is 2880). */
export const MAX_BATCH_READINGS = 4096;
export const ZERO_HASH: Uint8Array = new Uint8Array(SHA256_BYTES);

/** Reading flags: bits of the `flags` field. */
export const ReadingFlag = Object.freeze({
  CLOCK_UNSYNCED: 1,
  POWER_LOSS: 2,
  ESTIMATED: 4,
  TAMPER: 8,
  CLOCK_ADJUSTED: 16,
  GATEWAY_ATTESTED: 32,
} as const);
const ALL_FLAGS = 63;

/** Hex meter id: 16 lower-case hex digits. */
export type MeterId = string;
const METER_ID_PATTERN = /^[0-9a-f]{16}$/;

export interface IntervalReading {
  readonly version: number;
  readonly meterId: MeterId;
  readonly seq: number;
  readonly intervalStart: number;
  readonly intervalLength: number;
  readonly importedWh: number;
  readonly exportedWh: number;
  readonly flags: number;
  readonly productionMethod: number;
  readonly prevHash: Uint8Array;
}

export function isMeterId(value: unknown): value is MeterId {
  return typeof value === 'string' && METER_ID_PATTERN.test(value);
}

/** Meter id = first 8 bytes of SHA-256 of the raw Ed25519 public key, hex. */
export function meterIdFromPublicKey(publicKey: Uint8Array): MeterId {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new TypeError('meterIdFromPublicKey: 32-byte Ed25519 public key expected');
  return toHex(sha256(publicKey).subarray(0, METER_ID_BYTES));
}

/** Interval start containing `unixS` for an interval of `lengthS` (aligned to UTC multiples). */
export function alignIntervalStart(unixS: number, lengthS: number): number {
  return unixS - (((unixS % lengthS) + lengthS) % lengthS);
}

function fail(field: string, why: string): never {
  throw new BadReadingError(`reading ${field}: ${why}`);
}

function checkUint(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) fail(field, `integer 0..${max} expected, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (typeof value === 'string') return `"${value.slice(0, 20)}"`;
  return typeof value === 'object' ? (value === null ? 'null' : value.constructor?.name ?? 'object') : String(value);
}

/** Validates every field of a reading against the contract; returns it frozen. */
export function validateReading(reading: IntervalReading): IntervalReading {
  checkReading(reading);
  return Object.freeze({ ...reading });
}

/** `meterIdIsHex`: the caller made meterId with toHex of 8 bytes (the decoders), so no pattern test. */
function checkReading(reading: IntervalReading, meterIdIsHex = false): void {
  if (reading.version !== READING_VERSION) fail('version', `unsupported version ${describe(reading.version)} (this build reads version ${READING_VERSION})`);
  if (!meterIdIsHex && !isMeterId(reading.meterId)) fail('meterId', `16 lower-case hex digits expected, got ${describe(reading.meterId)}`);
  checkUint(reading.seq, 'seq', MAX_SEQ);
  const length = checkUint(reading.intervalLength, 'intervalLength', 86400);
  if (length === 0 || 86400 % length !== 0) fail('intervalLength', `must divide a day (e.g. 900, 1800, 3600), got ${length}`);
  const start = checkUint(reading.intervalStart, 'intervalStart', 0xffffffff);
  if (start % length !== 0) fail('intervalStart', `${start} is not aligned to the ${length}-s interval`);
  checkUint(reading.importedWh, 'importedWh', MAX_INTERVAL_WH);
  checkUint(reading.exportedWh, 'exportedWh', MAX_INTERVAL_WH);
  const flags = checkUint(reading.flags, 'flags', 0xff);
  if ((flags & ~ALL_FLAGS) !== 0) fail('flags', `unknown flag bits 0x${(flags & ~ALL_FLAGS).toString(16)}`);
  const method = checkUint(reading.productionMethod, 'productionMethod', 0xff);
  if (method !== NO_PRODUCTION_METHOD && productionMethodByCode(method) === undefined) fail('productionMethod', `unknown code ${method}`);
  if (!(reading.prevHash instanceof Uint8Array) || reading.prevHash.length !== SHA256_BYTES) fail('prevHash', `${SHA256_BYTES} bytes expected, got ${describe(reading.prevHash)}`);
}

function toWireArray(reading: IntervalReading): unknown[] {
  validateReading(reading);
  return [
    reading.version, fromHex(reading.meterId), reading.seq, reading.intervalStart, reading.intervalLength,
    reading.importedWh, reading.exportedWh, reading.flags, reading.productionMethod, reading.prevHash,
  ];
}

function fromWireArray(item: unknown): IntervalReading {
  if (!Array.isArray(item)) throw new BadReadingError('reading: CBOR array expected');
  if (item.length !== 10) throw new BadReadingError(`reading: 10 fields expected, got ${item.length}`);
  const [version, meterId, seq, intervalStart, intervalLength, importedWh, exportedWh, flags, productionMethod, prevHash] = item as unknown[];
  if (!(meterId instanceof Uint8Array) || meterId.length !== METER_ID_BYTES) fail('meterId', `${METER_ID_BYTES}-byte string expected, got ${describe(meterId)}`);
  return validateReading({
    version: version as number,
    meterId: toHex(meterId),
    seq: seq as number,
    intervalStart: intervalStart as number,
    intervalLength: intervalLength as number,
    importedWh: importedWh as number,
    exportedWh: exportedWh as number,
    flags: flags as number,
    productionMethod: productionMethod as number,
    prevHash: prevHash instanceof Uint8Array ? prevHash.slice() : (prevHash as Uint8Array),
  });
}

/** Reading payload bytes (what the meter signs). */
export function encodeReading(reading: IntervalReading): Uint8Array {
  return encodeCbor(toWireArray(reading));
}

export function decodeReading(payload: Uint8Array): IntervalReading {
  return fromWireArray(decodeCbor(payload));
}

/** Batch payload: one CBOR array of reading arrays, in sequence order. */
export function encodeReadingBatch(readings: ReadonlyArray<IntervalReading>): Uint8Array {
  if (readings.length === 0 || readings.length > MAX_BATCH_READINGS) throw new RangeError(`a batch holds 1..${MAX_BATCH_READINGS} readings, got ${readings.length}`);
  return encodeCbor(readings.map(toWireArray));
}

/**
 * Decodes a single or a batch payload. Only the canonical encoding is accepted (re-encoding
 * the decoded readings must give the same bytes), so a reading's hash is the same whether it
 * is computed from the bytes received alone or from its place in a batch.
 */
export function decodeReadingPayload(payload: Uint8Array): IntervalReading[] {
  const readings = (typeof WL_GENERAL_DECODERS === 'undefined' ? readCanonicalReadings(payload) : undefined) ?? decodeAnyReadings(payload);
  for (let i = 1; i < readings.length; i++) {
    const a = readings[i - 1]!;
    const b = readings[i]!;
    if (b.meterId !== a.meterId) throw new BadReadingError(`reading batch: entry ${i} belongs to meter ${b.meterId}, not ${a.meterId}`);
    if (b.seq <= a.seq) throw new BadReadingError(`reading batch: entry ${i} has seq ${b.seq} after ${a.seq}; ascending order required`);
  }
  return readings;
}

/** The general path: any CBOR, checked against the canonical form by encoding it again. */
function decodeAnyReadings(payload: Uint8Array): IntervalReading[] {
  const item = decodeCbor(payload);
  if (!Array.isArray(item) || item.length === 0) throw new BadReadingError('reading payload: non-empty CBOR array expected');
  const single = !Array.isArray(item[0]);
  if (item.length > MAX_BATCH_READINGS) throw new BadReadingError(`reading batch: at most ${MAX_BATCH_READINGS} readings, got ${item.length}`);
  const readings = single ? [fromWireArray(item)] : item.map(fromWireArray);
  const canonical = single ? encodeReading(readings[0]!) : encodeReadingBatch(readings);
  if (!equalBytes(canonical, payload)) throw new BadReadingError('reading payload is not in the canonical encoding (minimal integers, definite lengths)');
  return readings;
}

/**
 * The canonical form read directly (every head shortest, definite lengths, the field types of
 * the contract), which is what encoding again would compare against: a payload this accepts
 * is canonical by construction, with no second encoding. Undefined for anything else, which
 * the general path then rejects (or accepts) exactly as before. Fields are validated only
 * once the whole payload has been read, so the first error is the general path's.
 */
function readCanonicalReadings(payload: Uint8Array): IntervalReading[] | undefined {
  if (payload.length > MAX_CBOR_BYTES) return undefined;
  const r = new CanonicalReader(payload);
  const outer = r.head(Major.ARRAY);
  if (outer < 1) return undefined;
  const single = payload[r.pos]! >> 5 !== Major.ARRAY;
  if (single ? outer !== 10 : outer > MAX_BATCH_READINGS) return undefined;
  const readings: IntervalReading[] = [];
  for (let i = 0; i < (single ? 1 : outer); i++) {
    if (!single && r.head(Major.ARRAY) !== 10) return undefined;
    const reading = readCanonicalFields(r);
    if (reading === undefined) return undefined;
    readings.push(reading);
  }
  if (!r.atEnd) return undefined;
  for (const reading of readings) {
    checkReading(reading, true);
    Object.freeze(reading);
  }
  return readings;
}

/** The 10 fields after the array head, in the order of the payload; undefined if not canonical. */
function readCanonicalFields(r: CanonicalReader): IntervalReading | undefined {
  const version = r.uint();
  const meterId = r.byteString();
  if (meterId === undefined || meterId.length !== METER_ID_BYTES) return undefined;
  const seq = r.uint();
  const intervalStart = r.uint();
  const intervalLength = r.uint();
  const importedWh = r.uint();
  const exportedWh = r.uint();
  const flags = r.uint();
  const productionMethod = r.uint();
  const prevHash = r.byteString();
  if (prevHash === undefined || version < 0 || seq < 0 || intervalStart < 0 || intervalLength < 0 || importedWh < 0 || exportedWh < 0 || flags < 0 || productionMethod < 0) return undefined;
  return { version, meterId: toHex(meterId), seq, intervalStart, intervalLength, importedWh, exportedWh, flags, productionMethod, prevHash: prevHash.slice() };
}

/** Identity of a reading and the link its successor carries: SHA-256 of its payload bytes. */
export function readingHash(reading: IntervalReading): Uint8Array {
  return sha256(encodeReading(reading));
}

/** True iff `next` links to `previous` (hash chain of DESIGN §4). */
export function chainLinks(previous: IntervalReading, next: IntervalReading): boolean {
  return next.seq > previous.seq && equalBytes(next.prevHash, readingHash(previous));
}


export interface SignedReadings {
  readonly sign1: Sign1;
  readonly readings: IntervalReading[];
  readonly meterId: MeterId;
}

/** Signs one reading (or a batch) as COSE_Sign1 with kid = meter id bytes. */
export function signReadings(readings: IntervalReading | ReadonlyArray<IntervalReading>, signer: Signer): Uint8Array {
  const list = Array.isArray(readings) ? (readings as ReadonlyArray<IntervalReading>) : [readings as IntervalReading];
  const first = list[0];
  if (first === undefined) throw new RangeError('signReadings: at least one reading');
  const payload = list.length === 1 && !Array.isArray(readings) ? encodeReading(first) : encodeReadingBatch(list);
  return createSign1({ payload, signer, kid: fromHex(first.meterId) });
}

/**
 * Decodes a signed reading message (single or batch) and checks that the kid matches the
 * readings' meter id. Does not verify the signature: call `verifySignedReadings` with the
 * meter's registered key (the registry lookup sits between the two steps).
 */
export function decodeSignedReadings(bytes: Uint8Array): SignedReadings {
  const sign1 = decodeSign1(bytes);
  const readings = decodeReadingPayload(sign1.payload);
  const meterId = readings[0]!.meterId;
  if (sign1.kid === undefined || !equalsHex(sign1.kid, meterId)) throw new BadReadingError(`kid does not match the reading's meter id ${meterId}`);
  return { sign1, readings, meterId };
}

export function verifySignedReadings(signed: SignedReadings, publicKey: Uint8Array, verifier: Verifier): void {
  if (meterIdFromPublicKey(publicKey) !== signed.meterId) throw new BadReadingError(`meter id ${signed.meterId} is not derived from the key it was checked against`);
  verifySign1(signed.sign1, publicKey, verifier);
}

