/**
 * The one CBOR profile (RFC 8949) of wattledger, on cbor-x.
 *
 * Node and XS must produce identical bytes for the same values, so the profile turns off
 * every cbor-x extension: no record structures, no tag 64 for Uint8Array, no tag 259 for
 * Maps, no packing, no bundled strings, minimal-length map headers. Structures we sign are
 * arrays, or Maps with integer keys inserted in a fixed order (see `intMap`).
 * Decoding maps yields `Map`s so integer keys stay integers.
 *
 * Integers above 2^32 - 1 are written by cbor-x as float64, so every contract keeps its
 * integers within uint32 (or passes a BigInt, encoded as a 64-bit integer).
 */
import { Decoder, Encoder } from 'cbor-x';
import { BadCborError, TooLargeError } from './errors.js';
import { plainBytes } from './bytes.js';

const PROFILE = {
  useRecords: false,
  mapsAsObjects: false,
  useTag259ForMaps: false,
  tagUint8Array: false,
  variableMapSize: true,
  pack: false,
  bundleStrings: false,
  structuredClone: false,
  int64AsNumber: true,
} as const;

const encoder = new Encoder(PROFILE);
const decoder = new Decoder(PROFILE);

/** Inputs above this are refused before decoding (a batch of 30 days of readings fits easily). */
export const MAX_CBOR_BYTES = 1 << 20;

export function encodeCbor(value: unknown): Uint8Array {
  return plainBytes(encoder.encode(value));
}

/**
 * Decode exactly one CBOR item filling all of `bytes`. Any failure, including trailing
 * bytes, truncation and over-deep nesting, becomes a BadCborError.
 */
export function decodeCbor(bytes: Uint8Array, maxBytes: number = MAX_CBOR_BYTES): unknown {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeCbor: Uint8Array expected');
  if (bytes.length === 0) throw new BadCborError('empty input: expected one CBOR item');
  if (bytes.length > maxBytes) throw new TooLargeError(`CBOR input of ${bytes.length} bytes exceeds the limit of ${maxBytes}`);
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new BadCborError(`malformed CBOR: ${why}`, { cause });
  }
  if (containsStrayBreak(value)) throw new BadCborError('malformed CBOR: "break" (0xff) outside an indefinite-length item');
  return value;
}

/**
 * cbor-x returns its internal stop-code object (a plain `{}`) for a 0xff "break" that closes
 * nothing (RFC 8949 §3.2.1 makes that malformed). With `mapsAsObjects: false` no well-formed
 * item decodes to a plain object, so any plain object in the result is that stop code.
 */
function containsStrayBreak(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.getPrototypeOf(value) === Object.prototype) return true;
  if (Array.isArray(value)) return value.some(containsStrayBreak);
  if (value instanceof Map) {
    for (const [k, v] of value) if (containsStrayBreak(k) || containsStrayBreak(v)) return true;
    return false;
  }
  const tagged = value as { tag?: unknown; value?: unknown };
  return typeof tagged.tag === 'number' && containsStrayBreak(tagged.value);
}

/** A CBOR tag as decoded by the profile (cbor-x `Tag`), for tags it does not map to a JS type. */
export interface CborTagged {
  tag: number;
  value: unknown;
}

export function isTagged(value: unknown, tag: number): value is CborTagged {
  return typeof value === 'object' && value !== null && (value as CborTagged).tag === tag && 'value' in value;
}

/**
 * A Map with integer keys in the order given, so the encoding is fixed by the caller, not by
 * insertion accidents. Entries whose value is `undefined` are left out.
 */
export function intMap(entries: ReadonlyArray<readonly [number, unknown]>): Map<number, unknown> {
  const map = new Map<number, unknown>();
  for (const [key, value] of entries) {
    if (!Number.isInteger(key)) throw new TypeError(`intMap: integer key expected, got ${String(key)}`);
    if (value !== undefined) map.set(key, value);
  }
  return map;
}

/** Reads an integer-keyed map decoded by this profile; throws BadCborError for anything else. */
export function asIntMap(value: unknown, what: string): Map<number, unknown> {
  if (!(value instanceof Map)) throw new BadCborError(`${what}: CBOR map expected`);
  for (const key of value.keys()) {
    if (typeof key !== 'number' || !Number.isInteger(key)) throw new BadCborError(`${what}: integer map keys expected`);
  }
  return value as Map<number, unknown>;
}
