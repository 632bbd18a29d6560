/**
 * xDLMS InitiateRequest / InitiateResponse / ConfirmedServiceError (IEC 62056-5-3 §8,
 * Green Book §9.4.2.2), A-XDR encoded, carried in the user-information of AARQ/AARE:
 *
 *   InitiateRequest  01 [dedicated-key OPTIONAL] [response-allowed DEFAULT TRUE]
 *                       [proposed-quality-of-service OPTIONAL] dlms-version conformance max-pdu
 *   InitiateResponse 08 [negotiated-quality-of-service OPTIONAL] dlms-version conformance
 *                       max-pdu vaa-name (0x0007 for LN referencing)
 */
import { ByteReader, ByteWriter } from '../byte-io.js';
import { ApduError } from '../errors.js';
import { readConformance, writeConformance } from './conformance.js';
import { ApduTag } from './tags.js';

export const DLMS_VERSION = 6;
export const VAA_NAME_LN = 0x0007;

export interface InitiateRequest {
  readonly dedicatedKey?: Uint8Array | undefined;
  readonly responseAllowed?: boolean;
  readonly qualityOfService?: number | undefined;
  readonly dlmsVersion?: number;
  readonly conformance: number;
  readonly maxReceivePduSize: number;
}

export interface InitiateResponse {
  readonly qualityOfService?: number | undefined;
  readonly dlmsVersion?: number;
  readonly conformance: number;
  readonly maxReceivePduSize: number;
  readonly vaaName?: number;
}

/** ConfirmedServiceError as the AARE carries it: initiateError [1] / initiate [6] / code. */
export interface ConfirmedServiceError {
  readonly service: number;
  readonly errorClass: number;
  readonly code: number;
}

export const InitiateError = Object.freeze({ OTHER: 0, DLMS_VERSION_TOO_LOW: 1, INCOMPATIBLE_CONFORMANCE: 2, PDU_SIZE_TOO_SHORT: 3, REFUSED_BY_THE_VDE_HANDLER: 4 } as const);
const INITIATE_ERROR_NAMES = ['other', 'dlms-version-too-low', 'incompatible-conformance', 'pdu-size-too-short', 'refused-by-the-VDE-handler'];
export const initiateErrorName = (code: number): string => INITIATE_ERROR_NAMES[code] ?? `code-${code}`;

export function encodeInitiateRequest(req: InitiateRequest): Uint8Array {
  const w = new ByteWriter(32).u8(ApduTag.INITIATE_REQUEST);
  if (req.dedicatedKey === undefined) w.u8(0);
  else w.u8(1).berLength(req.dedicatedKey.length).bytes(req.dedicatedKey);
  if (req.responseAllowed ?? true) w.u8(0);
  else w.u8(1).u8(0);
  if (req.qualityOfService === undefined) w.u8(0);
  else w.u8(1).u8(req.qualityOfService);
  w.u8(req.dlmsVersion ?? DLMS_VERSION);
  writeConformance(w, req.conformance);
  return w.u16(checkPdu(req.maxReceivePduSize)).finish();
}

export function decodeInitiateRequest(bytes: Uint8Array): InitiateRequest {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'InitiateRequest' });
  if (r.u8() !== ApduTag.INITIATE_REQUEST) throw new ApduError('DLMS_APDU_BAD_TAG', 'InitiateRequest: tag 0x01 expected');
  const dedicatedKey = r.u8() ? r.take(r.length()).slice() : undefined;
  const responseAllowed = r.u8() ? r.u8() !== 0 : true;
  const qualityOfService = r.u8() ? r.u8() : undefined;
  const dlmsVersion = r.u8();
  const conformance = readConformance(r);
  const maxReceivePduSize = r.u16();
  r.done();
  return { dedicatedKey, responseAllowed, qualityOfService, dlmsVersion, conformance, maxReceivePduSize };
}

export function encodeInitiateResponse(res: InitiateResponse): Uint8Array {
  const w = new ByteWriter(16).u8(ApduTag.INITIATE_RESPONSE);
  if (res.qualityOfService === undefined) w.u8(0);
  else w.u8(1).u8(res.qualityOfService);
  w.u8(res.dlmsVersion ?? DLMS_VERSION);
  writeConformance(w, res.conformance);
  return w.u16(checkPdu(res.maxReceivePduSize)).u16(res.vaaName ?? VAA_NAME_LN).finish();
}

export function decodeInitiateResponse(bytes: Uint8Array): InitiateResponse {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'InitiateResponse' });
  if (r.u8() !== ApduTag.INITIATE_RESPONSE) throw new ApduError('DLMS_APDU_BAD_TAG', 'InitiateResponse: tag 0x08 expected');
  const qualityOfService = r.u8() ? r.u8() : undefined;
  const dlmsVersion = r.u8();
  const conformance = readConformance(r);
  const maxReceivePduSize = r.u16();
  const vaaName = r.u16();
  r.done();
  return { qualityOfService, dlmsVersion, conformance, maxReceivePduSize, vaaName };
}

export function encodeConfirmedServiceError(e: ConfirmedServiceError): Uint8Array {
  return Uint8Array.of(ApduTag.CONFIRMED_SERVICE_ERROR, e.service, e.errorClass, e.code);
}

export function decodeConfirmedServiceError(bytes: Uint8Array): ConfirmedServiceError {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'ConfirmedServiceError' });
  if (r.u8() !== ApduTag.CONFIRMED_SERVICE_ERROR) throw new ApduError('DLMS_APDU_BAD_TAG', 'ConfirmedServiceError: tag 0x0E expected');
  const e = { service: r.u8(), errorClass: r.u8(), code: r.u8() };
  r.done();
  return e;
}

function checkPdu(size: number): number {
  if (!Number.isInteger(size) || size < 0 || size > 0xffff) throw new RangeError(`max PDU size 0..65535 expected, got ${size}`);
  return size;
}
