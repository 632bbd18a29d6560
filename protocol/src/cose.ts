/**
 * COSE_Sign1 (RFC 9052 §4.2, §4.4) with EdDSA over Ed25519 (alg -8, RFC 9053 §2.2).
 *
 *   COSE_Sign1 = #6.18([ protected: bstr .cbor header_map, unprotected: header_map,
 *                        payload: bstr, signature: bstr ])
 *   Sig_structure = [ "Signature1", body_protected, external_aad, payload ]   (§4.4)
 *
 * external_aad is always the empty byte string here. The kid (label 4) travels in the
 * unprotected header. Signed bytes are never re-encoded: the protected header and payload
 * are kept exactly as received and verified as such.
 */
import { Tag } from 'cbor-x';
import { asIntMap, decodeCbor, encodeCbor, intMap, isTagged, MAX_CBOR_BYTES } from './cbor.js';
import { CanonicalReader, Major } from './cbor-canonical.js';
import './decode-options.js';
import { BadCoseError, BadSignatureError } from './errors.js';
import { ED25519_SIGNATURE_BYTES, type Signer, type Verifier } from './signer.js';

/** RFC 9052 §3.1 common header parameter labels. */
export const HeaderLabel = Object.freeze({ ALG: 1, CRIT: 2, CONTENT_TYPE: 3, KID: 4 } as const);
/** RFC 9053 §2.2: EdDSA. */
export const ALG_EDDSA = -8;
/** RFC 9052 §4.2: CBOR tag of COSE_Sign1. */
export const COSE_SIGN1_TAG = 18;

const EMPTY = new Uint8Array(0);
/** The protected header we emit: {1: -8}, encoded once. */
export const EDDSA_PROTECTED_HEADER: Uint8Array = encodeCbor(intMap([[HeaderLabel.ALG, ALG_EDDSA]]));

export interface Sign1 {
  /** The protected header exactly as received (bstr contents). */
  readonly protectedBytes: Uint8Array;
  readonly protectedHeader: ReadonlyMap<number, unknown>;
  readonly unprotectedHeader: ReadonlyMap<number, unknown>;
  /** Key id from the unprotected header, if any. */
  readonly kid: Uint8Array | undefined;
  /** Payload exactly as received. */
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

/** RFC 9052 §4.4 ToBeSigned with empty external_aad. */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeCbor(['Signature1', protectedBytes, EMPTY, payload]);
}

/** array(4), then text(10) "Signature1" (RFC 8949 §3.1: major types 4 and 3): the same 12 bytes before every Sig_structure's fields. */
const SIG_STRUCTURE_HEAD = Uint8Array.of(0x84, 0x6a, ...Array.from('Signature1', (c) => c.charCodeAt(0)));
/** external_aad: the empty byte string (major type 2, length 0). */
const EMPTY_BSTR = 0x40;

/** Bytes of the head of a byte string of `length` bytes (RFC 8949 §3: major type 2, shortest argument). */
function bstrHeadLength(length: number): number {
  return length < 24 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

function writeBstrHead(out: Uint8Array, at: number, length: number): number {
  const n = bstrHeadLength(length);
  out[at] = n === 1 ? 0x40 | length : n === 2 ? 0x58 : n === 3 ? 0x59 : 0x5a;
  for (let i = n - 1, v = length; i > 0; i--, v = Math.floor(v / 256)) out[at + i] = v & 0xff;
  return at + n;
}

/** Length of sigStructure(protectedBytes, payload), without writing it. */
export function sigStructureLength(protectedBytes: Uint8Array, payload: Uint8Array): number {
  return SIG_STRUCTURE_HEAD.length + bstrHeadLength(protectedBytes.length) + protectedBytes.length + 1 + bstrHeadLength(payload.length) + payload.length;
}

/**
 * Writes sigStructure's bytes into `out` at `at` (sigStructureLength of room, which the caller
 * makes) and returns the end: for verifiers that pack many messages into one buffer.
 */
export function writeSigStructure(out: Uint8Array, at: number, protectedBytes: Uint8Array, payload: Uint8Array): number {
  out.set(SIG_STRUCTURE_HEAD, at);
  let o = writeBstrHead(out, at + SIG_STRUCTURE_HEAD.length, protectedBytes.length);
  out.set(protectedBytes, o);
  o += protectedBytes.length;
  out[o++] = EMPTY_BSTR;
  o = writeBstrHead(out, o, payload.length);
  out.set(payload, o);
  return o + payload.length;
}

export interface CreateSign1Options {
  payload: Uint8Array;
  signer: Signer;
  kid?: Uint8Array;
  /** Encoded protected header; defaults to {1: -8}. Must declare alg -8. */
  protectedBytes?: Uint8Array;
}

export function createSign1(options: CreateSign1Options): Uint8Array {
  const { payload, signer, kid } = options;
  if (!(payload instanceof Uint8Array)) throw new TypeError('createSign1: payload must be a Uint8Array');
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw new TypeError('createSign1: kid must be a Uint8Array');
  const protectedBytes = options.protectedBytes ?? EDDSA_PROTECTED_HEADER;
  const signature = signer.sign(sigStructure(protectedBytes, payload));
  const unprotected = kid === undefined ? new Map() : intMap([[HeaderLabel.KID, kid]]);
  return encodeCbor(new Tag([protectedBytes, unprotected, payload, signature], COSE_SIGN1_TAG));
}

/** Parses and checks the structure of a COSE_Sign1 (tagged); does not check the signature. */
export function decodeSign1(bytes: Uint8Array, maxBytes?: number): Sign1 {
  if (typeof WL_GENERAL_DECODERS === 'undefined' && bytes instanceof Uint8Array && bytes.length <= (maxBytes ?? MAX_CBOR_BYTES)) {
    const usual = readUsualSign1(bytes);
    if (usual !== undefined) return usual;
  }
  const item = decodeCbor(bytes, maxBytes);
  if (!isTagged(item, COSE_SIGN1_TAG)) throw new BadCoseError('not a COSE_Sign1: CBOR tag 18 expected');
  const parts = item.value;
  if (!Array.isArray(parts) || parts.length !== 4) throw new BadCoseError('COSE_Sign1 must be an array of 4 items');
  const [protectedBytes, unprotected, payload, signature] = parts as unknown[];
  if (!(protectedBytes instanceof Uint8Array)) throw new BadCoseError('COSE_Sign1 protected header must be a byte string');
  if (!(payload instanceof Uint8Array)) throw new BadCoseError('COSE_Sign1 payload must be an attached byte string (detached payloads are not accepted)');
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_BYTES) {
    throw new BadCoseError(`COSE_Sign1 signature must be ${ED25519_SIGNATURE_BYTES} bytes`);
  }
  const protectedHeader = protectedBytes.length === 0 ? new Map<number, unknown>() : asIntMapCose(decodeProtected(protectedBytes), 'protected header');
  const unprotectedHeader = asIntMapCose(unprotected, 'unprotected header');
  if (protectedHeader.get(HeaderLabel.ALG) !== ALG_EDDSA) throw new BadCoseError(`unsupported COSE algorithm ${String(protectedHeader.get(HeaderLabel.ALG))}: only EdDSA (-8) is accepted`);
  if (protectedHeader.has(HeaderLabel.CRIT)) throw new BadCoseError('COSE_Sign1 has critical header parameters this implementation does not understand');
  for (const label of unprotectedHeader.keys()) {
    if (protectedHeader.has(label)) throw new BadCoseError(`header label ${label} appears in both buckets (RFC 9052 §3)`);
  }
  const kid = unprotectedHeader.get(HeaderLabel.KID) ?? protectedHeader.get(HeaderLabel.KID);
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw new BadCoseError('COSE kid must be a byte string');
  return { protectedBytes, protectedHeader, unprotectedHeader, kid, payload, signature };
}

/**
 * The shape every wattledger signer writes, read without the general decoder: tag 18, the
 * protected header {1: -8}, an unprotected header that is empty or holds only the kid, an
 * attached payload and a 64-byte signature, all in canonical form. Anything else: undefined,
 * and decodeSign1 takes the general path (which accepts this shape with the same result).
 */
function readUsualSign1(bytes: Uint8Array): Sign1 | undefined {
  const r = new CanonicalReader(bytes);
  if (r.head(Major.TAG) !== COSE_SIGN1_TAG || r.head(Major.ARRAY) !== 4) return undefined;
  if (!r.skip(EDDSA_PROTECTED_ITEM)) return undefined;
  const labels = r.head(Major.MAP);
  let kid: Uint8Array | undefined;
  if (labels === 1) {
    if (r.uint() !== HeaderLabel.KID || (kid = r.byteString()) === undefined) return undefined;
  } else if (labels !== 0) return undefined;
  const payload = r.byteString();
  const signature = r.byteString();
  if (payload === undefined || signature === undefined || signature.length !== ED25519_SIGNATURE_BYTES || !r.atEnd) return undefined;
  return new UsualSign1(kid, payload, signature);
}

/** The protected header {1: -8} as the first item of the array: a byte string of 3 bytes. */
const EDDSA_PROTECTED_ITEM = encodeCbor(EDDSA_PROTECTED_HEADER);
/** The same bytes as received, shared by every usual Sign1 (its own copy: createSign1's constant stays out of reach). */
const USUAL_PROTECTED_BYTES = EDDSA_PROTECTED_HEADER.slice();
/** {1: -8}, the protected header of every usual COSE_Sign1: one shared map, read-only. */
const EDDSA_HEADER: ReadonlyMap<number, unknown> = new Map<number, unknown>([[HeaderLabel.ALG, ALG_EDDSA]]);
const NO_HEADERS: ReadonlyMap<number, unknown> = new Map<number, unknown>();

/**
 * A Sign1 of the usual shape, without two maps per message (a ledger node holds thousands in
 * flight): the protected header is the shared one (the same bytes as received), the
 * unprotected map is built when asked for.
 */
class UsualSign1 implements Sign1 {
  private headers: ReadonlyMap<number, unknown> | undefined;

  constructor(
    readonly kid: Uint8Array | undefined,
    readonly payload: Uint8Array,
    readonly signature: Uint8Array,
  ) {}

  get protectedBytes(): Uint8Array {
    return USUAL_PROTECTED_BYTES;
  }

  get protectedHeader(): ReadonlyMap<number, unknown> {
    return EDDSA_HEADER;
  }

  get unprotectedHeader(): ReadonlyMap<number, unknown> {
    if (this.kid === undefined) return NO_HEADERS;
    return (this.headers ??= new Map<number, unknown>([[HeaderLabel.KID, this.kid]]));
  }
}

function decodeProtected(bytes: Uint8Array): unknown {
  try {
    return decodeCbor(bytes);
  } catch (cause) {
    throw new BadCoseError('COSE_Sign1 protected header is not valid CBOR', { cause });
  }
}

function asIntMapCose(value: unknown, what: string): Map<number, unknown> {
  try {
    return asIntMap(value, what);
  } catch (cause) {
    throw new BadCoseError(`COSE_Sign1 ${what} must be a map with integer labels`, { cause });
  }
}

/** Throws BadSignatureError unless the signature verifies under `publicKey`. */
export function verifySign1(sign1: Sign1, publicKey: Uint8Array, verifier: Verifier): void {
  if (!verifier.verify(publicKey, sigStructure(sign1.protectedBytes, sign1.payload), sign1.signature)) {
    throw new BadSignatureError('COSE_Sign1 signature does not verify under the registered key');
  }
}
