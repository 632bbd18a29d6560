/**
 * Typed field readers for ledger transaction bodies: every failure is a BadTxError naming
 * the transaction type and field, so a rejected submitter sees what to fix.
 */
import { BadTxError } from '../errors.js';
import type { TxBody, TxValue } from '../tx.js';
import { isHashHex, isPartyId } from './party.js';

/** Largest integer a body may carry (protocol CBOR profile: uint32). */
export const MAX_BODY_UINT = 0xffffffff;

export class BodyReader {
  constructor(
    private readonly body: TxBody,
    private readonly what: string,
    allowed: readonly string[],
  ) {
    for (const key of Object.keys(body)) {
      if (!allowed.includes(key)) this.fail(key, `unknown field (allowed: ${allowed.join(', ')})`);
    }
  }

  fail(field: string, why: string): never {
    throw new BadTxError(`${this.what}.${field}: ${why}`);
  }

  private value(field: string): TxValue {
    const value = this.body[field];
    if (value === undefined) this.fail(field, 'required field is missing');
    return value;
  }

  has(field: string): boolean {
    return this.body[field] !== undefined;
  }

  uint(field: string, max: number = MAX_BODY_UINT, min = 0): number {
    const value = this.value(field);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) this.fail(field, `integer ${min}..${max} expected`);
    return value;
  }

  text(field: string, maxLength: number, minLength = 0): string {
    const value = this.value(field);
    if (typeof value !== 'string' || value.length < minLength || value.length > maxLength) this.fail(field, `text of ${minLength}..${maxLength} characters expected`);
    return value;
  }

  oneOf<T extends string>(field: string, allowed: ReadonlySet<string>): T {
    const value = this.value(field);
    if (typeof value !== 'string' || !allowed.has(value)) this.fail(field, `one of ${[...allowed].join(', ')} expected`);
    return value as T;
  }

  bool(field: string): boolean {
    const value = this.value(field);
    if (typeof value !== 'boolean') this.fail(field, 'boolean expected');
    return value;
  }

  bytes(field: string, length?: number, maxLength?: number): Uint8Array {
    const value = this.value(field);
    if (!(value instanceof Uint8Array)) this.fail(field, 'byte string expected');
    if (length !== undefined && value.length !== length) this.fail(field, `${length} bytes expected, got ${value.length}`);
    if (maxLength !== undefined && value.length > maxLength) this.fail(field, `at most ${maxLength} bytes, got ${value.length}`);
    if (value.length === 0) this.fail(field, 'empty byte string');
    return value;
  }

  partyId(field: string): string {
    const value = this.value(field);
    if (!isPartyId(value)) this.fail(field, 'party id (16 lower-case hex digits) expected');
    return value;
  }

  hash(field: string): string {
    const value = this.value(field);
    if (!isHashHex(value)) this.fail(field, 'SHA-256 hex (64 lower-case hex digits) expected');
    return value;
  }

  array(field: string, maxLength: number): TxValue[] {
    const value = this.value(field);
    if (!Array.isArray(value) || value.length > maxLength) this.fail(field, `array of at most ${maxLength} items expected`);
    return value;
  }

  /** A nested map, read with its own reader. */
  map(value: TxValue, path: string, allowed: readonly string[]): BodyReader {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
      throw new BadTxError(`${this.what}.${path}: map expected`);
    }
    return new BodyReader(value, `${this.what}.${path}`, allowed);
  }
}

/** Builders validate what they build with the ledger's own parser; misuse is a RangeError. */
export function checkBuiltBody(body: TxBody, parse: (body: TxBody) => unknown): TxBody {
  try {
    parse(body);
  } catch (cause) {
    throw new RangeError((cause as Error).message, { cause });
  }
  return body;
}
