/**
 * Ledger transaction envelope (DESIGN §4): a COSE_Sign1 signed by the submitting party whose
 * payload is the CBOR array
 *   [ version, type (text), nonce (uint), body (map with text keys) ]
 * kid = the signer's id bytes (party id or meter id). tx id = SHA-256 of the signed bytes
 * exactly as submitted; applying the same bytes twice is a no-op on the ledger, and `nonce`
 * lets a party submit two transactions with identical bodies on purpose.
 * Body schemas belong to the ledger; this file fixes the envelope and the id rule.
 */
import { toHex } from './bytes.js';
import { decodeCbor, encodeCbor } from './cbor.js';
import { CanonicalReader, Major } from './cbor-canonical.js';
import './decode-options.js';
import { createSign1, decodeSign1, verifySign1, type Sign1 } from './cose.js';
import { BadTxError, ProtocolError } from './errors.js';
import { sha256Hex } from './hash.js';
import type { Signer, Verifier } from './signer.js';

export const TX_VERSION = 1;
/** A transaction envelope larger than this is refused unread (a batch-carrying issue-asset fits). */
export const MAX_TX_BYTES = 256 * 1024;

export const TxType = Object.freeze({
  REGISTER_PARTY: 'register-party',
  REGISTER_METER: 'register-meter',
  ISSUE_ASSET: 'issue-asset',
  RECORD_USAGE: 'record-usage',
  SET_CONTRACT: 'set-contract',
  SET_TRANSFER_POLICY: 'set-transfer-policy',
  CLOSE_INTERVAL: 'close-interval',
  TRANSFER: 'transfer',
  REQUEST_CERTIFICATE: 'request-certificate',
} as const);
export type TxType = (typeof TxType)[keyof typeof TxType];
const TX_TYPES: ReadonlySet<string> = new Set(Object.values(TxType));
/** Each type as its CBOR text item, to be recognised in the bytes without making a string. */
const TX_TYPE_ITEMS: ReadonlyArray<readonly [Uint8Array, TxType]> = Object.values(TxType).map((type) => [encodeCbor(type), type] as const);

/** Values a body may carry: CBOR data without floats, undefined or tags. */
export type TxValue = string | number | boolean | null | Uint8Array | TxValue[] | { [key: string]: TxValue };
export type TxBody = { [key: string]: TxValue };

export interface TxContent {
  readonly type: TxType;
  readonly nonce: number;
  readonly body: TxBody;
}

export interface DecodedTx extends TxContent {
  /** SHA-256 of the signed bytes, hex. */
  readonly id: string;
  /** Signer id from the kid (hex). */
  readonly signerId: string;
  readonly sign1: Sign1;
  readonly bytes: Uint8Array;
}

export function txId(signedBytes: Uint8Array): string {
  return sha256Hex(signedBytes);
}

export function encodeTxPayload(content: TxContent): Uint8Array {
  if (!TX_TYPES.has(content.type)) throw new TypeError(`unknown transaction type ${JSON.stringify(content.type)}`);
  if (!Number.isSafeInteger(content.nonce) || content.nonce < 0) throw new RangeError('transaction nonce must be a non-negative safe integer');
  checkBody(content.body, 'body', 0);
  return encodeCbor([TX_VERSION, content.type, content.nonce, content.body]);
}

/** Signs a transaction; `signerId` is the submitting party's or meter's id bytes. */
export function signTx(content: TxContent, signer: Signer, signerId: Uint8Array): Uint8Array {
  return createSign1({ payload: encodeTxPayload(content), signer, kid: signerId });
}

/** Decodes and validates the envelope; the signature is checked by `verifyTx` against the registry. */
export function decodeTx(bytes: Uint8Array): DecodedTx {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeTx: Uint8Array expected');
  let sign1: Sign1;
  let item: unknown;
  try {
    sign1 = decodeSign1(bytes, MAX_TX_BYTES);
    const usual = typeof WL_GENERAL_DECODERS === 'undefined' ? readUsualPayload(sign1.payload) : undefined;
    if (usual !== undefined && sign1.kid !== undefined && sign1.kid.length > 0) {
      return { id: txId(bytes), signerId: toHex(sign1.kid), type: usual.type, nonce: usual.nonce, body: usual.body, sign1, bytes };
    }
    item = decodeCbor(sign1.payload, MAX_TX_BYTES);
  } catch (cause) {
    if (cause instanceof ProtocolError) throw new BadTxError(`transaction envelope: ${cause.message}`, { cause });
    throw cause;
  }
  if (sign1.kid === undefined || sign1.kid.length === 0) throw new BadTxError('transaction has no kid: the signer id is required');
  if (!Array.isArray(item) || item.length !== 4) throw new BadTxError('transaction payload must be [version, type, nonce, body]');
  const [version, type, nonce, rawBody] = item as unknown[];
  if (version !== TX_VERSION) throw new BadTxError(`unsupported transaction version ${String(version)} (expected ${TX_VERSION})`);
  if (typeof type !== 'string' || !TX_TYPES.has(type)) throw new BadTxError(`unknown transaction type ${JSON.stringify(type)}`);
  if (typeof nonce !== 'number' || !Number.isSafeInteger(nonce) || nonce < 0) throw new BadTxError('transaction nonce must be a non-negative integer');
  const body = toBody(rawBody, 'body', 0);
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) throw new BadTxError('transaction body must be a map');
  return { id: txId(bytes), signerId: toHex(sign1.kid), type: type as TxType, nonce, body: body as TxBody, sign1, bytes };
}

/**
 * A valid payload in canonical form with ASCII text, read without the general decoder (see
 * cbor-canonical.ts); undefined for anything else, which the general path then decodes,
 * accepts or rejects exactly as before. The body comes out as toBody would make it.
 */
function readTxType(r: CanonicalReader): TxType | undefined {
  for (const [item, type] of TX_TYPE_ITEMS) if (r.skip(item)) return type;
  return undefined;
}

function readUsualPayload(payload: Uint8Array): TxContent | undefined {
  if (payload.length > MAX_TX_BYTES) return undefined;
  const r = new CanonicalReader(payload);
  if (r.head(Major.ARRAY) !== 4 || r.uint() !== TX_VERSION) return undefined;
  const type = readTxType(r);
  const nonce = r.uint();
  if (type === undefined || nonce < 0 || payload[r.pos]! >> 5 !== Major.MAP) return undefined;
  const body = r.value();
  if (body === undefined || !r.atEnd) return undefined;
  return { type, nonce, body: body as TxBody };
}

export function verifyTx(tx: DecodedTx, publicKey: Uint8Array, verifier: Verifier): void {
  verifySign1(tx.sign1, publicKey, verifier);
}

const MAX_DEPTH = 16;

function toBody(value: unknown, path: string, depth: number): TxValue {
  if (depth > MAX_DEPTH) throw new BadTxError(`${path}: nested deeper than ${MAX_DEPTH}`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new BadTxError(`${path}: only safe integers are allowed, got ${value}`);
    return value;
  }
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map((v, i) => toBody(v, `${path}[${i}]`, depth + 1));
  if (value instanceof Map) {
    const out: TxBody = {};
    for (const [key, v] of value) {
      if (typeof key !== 'string') throw new BadTxError(`${path}: map keys must be text`);
      if (key === '__proto__') throw new BadTxError(`${path}: forbidden key "__proto__"`);
      out[key] = toBody(v, `${path}.${key}`, depth + 1);
    }
    return out;
  }
  throw new BadTxError(`${path}: unsupported CBOR value (${typeof value})`);
}

function checkBody(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError(`${path}: nested deeper than ${MAX_DEPTH}`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value instanceof Uint8Array) return;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`${path}: only safe integers are allowed, got ${value}`);
    if (Math.abs(value) > 0xffffffff) throw new RangeError(`${path}: ${value} exceeds 32 bits; send it as a decimal string`);
    return;
  }
  if (Array.isArray(value)) return value.forEach((v, i) => checkBody(v, `${path}[${i}]`, depth + 1));
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    for (const [k, v] of Object.entries(value)) checkBody(v, `${path}.${k}`, depth + 1);
    return;
  }
  throw new TypeError(`${path}: unsupported value in a transaction body`);
}
