/**
 * ACSE APDUs of the COSEM application layer (IEC 62056-5-3 §7.2, ISO/IEC 8650-1, BER encoded),
 * with the DLMS UA object identifiers of Green Book §9.4.2.2:
 *
 *   application-context-name  2.16.756.5.8.1.x  (1 LN, 2 SN, 3 LN ciphered, 4 SN ciphered)
 *   mechanism-name            2.16.756.5.8.2.x  (0 none, 1 LLS, 2 HLS, 3 MD5, 4 SHA-1, 5 GMAC, 6 SHA-256, 7 ECDSA)
 *
 * AARQ [APPLICATION 0]: A1 context, A6 calling-AP-title (system title), 8A acse-requirements,
 * 8B mechanism, AC calling-authentication-value, BE user-information (the xDLMS InitiateRequest).
 * AARE [APPLICATION 1]: A1, A2 result, A3 result-source-diagnostic, A4 responding-AP-title,
 * 88, 89, AA responding-authentication-value, BE user-information.
 * RLRQ / RLRE [APPLICATION 2/3]: 80 reason, BE user-information.
 */
import { ByteReader, ByteWriter } from '../byte-io.js';
import { ApduError } from '../errors.js';
import { ApduTag } from './tags.js';

/** The DLMS UA arc prefix 2.16.756.5.8 in BER: 60 85 74 05 08. */
const OID_PREFIX = Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08);

export const ApplicationContext = Object.freeze({ LN: 1, SN: 2, LN_CIPHERED: 3, SN_CIPHERED: 4 } as const);
export type ApplicationContext = (typeof ApplicationContext)[keyof typeof ApplicationContext];

export const AuthenticationMechanism = Object.freeze({ NONE: 0, LLS: 1, HLS: 2, HLS_MD5: 3, HLS_SHA1: 4, HLS_GMAC: 5, HLS_SHA256: 6, HLS_ECDSA: 7 } as const);
export type AuthenticationMechanism = (typeof AuthenticationMechanism)[keyof typeof AuthenticationMechanism];

export const AssociationResult = Object.freeze({ ACCEPTED: 0, REJECTED_PERMANENT: 1, REJECTED_TRANSIENT: 2 } as const);

/** acse-service-user diagnostics (A3 A1 ...). */
export const AcseUserDiagnostic = Object.freeze({
  NULL: 0, NO_REASON_GIVEN: 1, APPLICATION_CONTEXT_NAME_NOT_SUPPORTED: 2, CALLING_AP_TITLE_NOT_RECOGNIZED: 3,
  CALLING_AP_INVOCATION_IDENTIFIER_NOT_RECOGNIZED: 4, CALLING_AE_QUALIFIER_NOT_RECOGNIZED: 5,
  CALLING_AE_INVOCATION_IDENTIFIER_NOT_RECOGNIZED: 6, CALLED_AP_TITLE_NOT_RECOGNIZED: 7,
  CALLED_AP_INVOCATION_IDENTIFIER_NOT_RECOGNIZED: 8, CALLED_AE_QUALIFIER_NOT_RECOGNIZED: 9,
  CALLED_AE_INVOCATION_IDENTIFIER_NOT_RECOGNIZED: 10, AUTHENTICATION_MECHANISM_NAME_NOT_RECOGNISED: 11,
  AUTHENTICATION_MECHANISM_NAME_REQUIRED: 12, AUTHENTICATION_FAILURE: 13, AUTHENTICATION_REQUIRED: 14,
} as const);

export const ReleaseRequestReason = Object.freeze({ NORMAL: 0, URGENT: 1, USER_DEFINED: 30 } as const);
export const ReleaseResponseReason = Object.freeze({ NORMAL: 0, NOT_FINISHED: 1, USER_DEFINED: 30 } as const);

export interface Aarq {
  readonly applicationContext: ApplicationContext;
  readonly callingApTitle?: Uint8Array | undefined;
  readonly mechanism?: AuthenticationMechanism | undefined;
  readonly callingAuthenticationValue?: Uint8Array | undefined;
  /** InitiateRequest, plain or glo-/ded-ciphered. */
  readonly userInformation: Uint8Array;
}

export interface Aare {
  readonly applicationContext: ApplicationContext;
  readonly result: number;
  readonly diagnosticSource: 'user' | 'provider';
  readonly diagnostic: number;
  readonly respondingApTitle?: Uint8Array | undefined;
  readonly mechanism?: AuthenticationMechanism | undefined;
  readonly respondingAuthenticationValue?: Uint8Array | undefined;
  /** InitiateResponse or ConfirmedServiceError, plain or ciphered. */
  readonly userInformation?: Uint8Array | undefined;
}

export interface Release {
  readonly reason?: number | undefined;
  readonly userInformation?: Uint8Array | undefined;
}

const USER_DIAGNOSTIC_NAMES: Readonly<Record<number, string>> = Object.freeze(Object.fromEntries(Object.entries(AcseUserDiagnostic).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, '-')])));
export function acseDiagnosticName(source: 'user' | 'provider', code: number): string {
  if (source === 'provider') return ['null', 'no-reason-given', 'no-common-acse-version'][code] ?? `provider-code-${code}`;
  return USER_DIAGNOSTIC_NAMES[code] ?? `user-code-${code}`;
}

function tlv(w: ByteWriter, tag: number, content: Uint8Array): void {
  w.u8(tag).berLength(content.length).bytes(content);
}

function oid(kind: 1 | 2, value: number): Uint8Array {
  return Uint8Array.of(0x06, 0x07, ...OID_PREFIX, kind, value);
}

function octets(tag: number, bytes: Uint8Array): Uint8Array {
  const w = new ByteWriter(bytes.length + 4);
  tlv(w, tag, bytes);
  return w.finish();
}

function writeCommon(w: ByteWriter, context: ApplicationContext): void {
  tlv(w, 0xa1, oid(1, context));
}

function writeMechanism(w: ByteWriter, acseTag: number, mechTag: number, mechanism: AuthenticationMechanism | undefined): void {
  if (mechanism === undefined || mechanism === AuthenticationMechanism.NONE) return;
  tlv(w, acseTag, Uint8Array.of(0x07, 0x80));
  w.u8(mechTag).u8(0x07).bytes(OID_PREFIX).u8(2).u8(mechanism);
}

function wrap(tag: number, body: ByteWriter): Uint8Array {
  const out = new ByteWriter(body.length + 4);
  tlv(out, tag, body.finish());
  return out.finish();
}

export function encodeAarq(aarq: Aarq): Uint8Array {
  const w = new ByteWriter(96);
  writeCommon(w, aarq.applicationContext);
  if (aarq.callingApTitle !== undefined) tlv(w, 0xa6, octets(0x04, aarq.callingApTitle));
  writeMechanism(w, 0x8a, 0x8b, aarq.mechanism);
  if (aarq.callingAuthenticationValue !== undefined) tlv(w, 0xac, octets(0x80, aarq.callingAuthenticationValue));
  tlv(w, 0xbe, octets(0x04, aarq.userInformation));
  return wrap(ApduTag.AARQ, w);
}

export function encodeAare(aare: Aare): Uint8Array {
  const w = new ByteWriter(96);
  writeCommon(w, aare.applicationContext);
  tlv(w, 0xa2, Uint8Array.of(0x02, 0x01, aare.result));
  tlv(w, 0xa3, Uint8Array.of(aare.diagnosticSource === 'user' ? 0xa1 : 0xa2, 0x03, 0x02, 0x01, aare.diagnostic));
  if (aare.respondingApTitle !== undefined) tlv(w, 0xa4, octets(0x04, aare.respondingApTitle));
  writeMechanism(w, 0x88, 0x89, aare.mechanism);
  if (aare.respondingAuthenticationValue !== undefined) tlv(w, 0xaa, octets(0x80, aare.respondingAuthenticationValue));
  if (aare.userInformation !== undefined) tlv(w, 0xbe, octets(0x04, aare.userInformation));
  return wrap(ApduTag.AARE, w);
}

export function encodeRelease(kind: 'RLRQ' | 'RLRE', release: Release = {}): Uint8Array {
  const w = new ByteWriter(16);
  if (release.reason !== undefined) tlv(w, 0x80, Uint8Array.of(release.reason));
  if (release.userInformation !== undefined) tlv(w, 0xbe, octets(0x04, release.userInformation));
  return wrap(kind === 'RLRQ' ? ApduTag.RLRQ : ApduTag.RLRE, w);
}

/** Splits a BER constructed APDU into its [tag, content] elements. */
function elements(bytes: Uint8Array, expectedTag: number, what: string): Map<number, Uint8Array> {
  const r = new ByteReader(bytes, { layer: 'APDU', what });
  const tag = r.u8();
  if (tag !== expectedTag) throw new ApduError('DLMS_APDU_BAD_TAG', `${what}: tag 0x${expectedTag.toString(16)} expected, got 0x${tag.toString(16)}`);
  const length = r.length();
  if (length !== r.remaining) r.malformed(`length ${length} does not match the ${r.remaining} bytes present`);
  const out = new Map<number, Uint8Array>();
  while (r.remaining > 0) {
    const t = r.u8();
    out.set(t, r.take(r.length()));
  }
  return out;
}

function inner(content: Uint8Array | undefined, tag: number, what: string): Uint8Array | undefined {
  if (content === undefined) return undefined;
  const r = new ByteReader(content, { layer: 'APDU', what });
  if (r.u8() !== tag) r.malformed(`inner tag 0x${tag.toString(16)} expected`);
  const value = r.take(r.length()).slice();
  r.done();
  return value;
}

function readOid(content: Uint8Array | undefined, kind: 1 | 2, what: string): number | undefined {
  if (content === undefined) return undefined;
  const bytes = content[0] === 0x06 ? inner(content, 0x06, what)! : content;
  if (bytes.length !== 7 || OID_PREFIX.some((b, i) => bytes[i] !== b) || bytes[5] !== kind) {
    throw new ApduError('DLMS_APDU_MALFORMED', `${what}: not a DLMS UA ${kind === 1 ? 'application context' : 'mechanism'} name`);
  }
  return bytes[6]!;
}

function readInteger(content: Uint8Array | undefined, what: string): number {
  const value = inner(content, 0x02, what);
  if (value === undefined || value.length !== 1) throw new ApduError('DLMS_APDU_MALFORMED', `${what}: one-byte INTEGER expected`);
  return value[0]!;
}

export function decodeAarq(bytes: Uint8Array): Aarq {
  const e = elements(bytes, ApduTag.AARQ, 'AARQ');
  const applicationContext = readOid(inner(e.get(0xa1), 0x06, 'AARQ application-context-name'), 1, 'AARQ application-context-name');
  if (applicationContext === undefined) throw new ApduError('DLMS_APDU_MALFORMED', 'AARQ: application-context-name missing');
  const userInformation = inner(e.get(0xbe), 0x04, 'AARQ user-information');
  if (userInformation === undefined) throw new ApduError('DLMS_APDU_MALFORMED', 'AARQ: user-information (InitiateRequest) missing');
  return {
    applicationContext: applicationContext as ApplicationContext,
    callingApTitle: inner(e.get(0xa6), 0x04, 'AARQ calling-AP-title'),
    mechanism: readOid(e.get(0x8b), 2, 'AARQ mechanism-name') as AuthenticationMechanism | undefined,
    callingAuthenticationValue: inner(e.get(0xac), 0x80, 'AARQ calling-authentication-value'),
    userInformation,
  };
}

export function decodeAare(bytes: Uint8Array): Aare {
  const e = elements(bytes, ApduTag.AARE, 'AARE');
  const applicationContext = readOid(inner(e.get(0xa1), 0x06, 'AARE application-context-name'), 1, 'AARE application-context-name');
  if (applicationContext === undefined) throw new ApduError('DLMS_APDU_MALFORMED', 'AARE: application-context-name missing');
  const diagnostic = e.get(0xa3);
  if (diagnostic === undefined || diagnostic.length < 2 || (diagnostic[0] !== 0xa1 && diagnostic[0] !== 0xa2)) throw new ApduError('DLMS_APDU_MALFORMED', 'AARE: result-source-diagnostic missing');
  return {
    applicationContext: applicationContext as ApplicationContext,
    result: readInteger(e.get(0xa2), 'AARE result'),
    diagnosticSource: diagnostic[0] === 0xa1 ? 'user' : 'provider',
    diagnostic: readInteger(inner(diagnostic, diagnostic[0]!, 'AARE result-source-diagnostic'), 'AARE diagnostic'),
    respondingApTitle: inner(e.get(0xa4), 0x04, 'AARE responding-AP-title'),
    mechanism: readOid(e.get(0x89), 2, 'AARE mechanism-name') as AuthenticationMechanism | undefined,
    respondingAuthenticationValue: inner(e.get(0xaa), 0x80, 'AARE responding-authentication-value'),
    userInformation: inner(e.get(0xbe), 0x04, 'AARE user-information'),
  };
}

export function decodeRelease(kind: 'RLRQ' | 'RLRE', bytes: Uint8Array): Release {
  const e = elements(bytes, kind === 'RLRQ' ? ApduTag.RLRQ : ApduTag.RLRE, kind);
  const reason = e.get(0x80);
  if (reason !== undefined && reason.length !== 1) throw new ApduError('DLMS_APDU_MALFORMED', `${kind}: one-byte reason expected`);
  return { reason: reason?.[0], userInformation: inner(e.get(0xbe), 0x04, `${kind} user-information`) };
}
