/**
 * ACTION service APDUs (IEC 62056-5-3 §8, Green Book §9.4.6.5), normal form:
 *
 *   Action-Request   C3 01 (iip, Cosem-Method-Descriptor, method-invocation-parameters OPTIONAL Data)
 *   Action-Response  C7 01 (iip, Action-Response-With-Optional-Data {result, return-parameters
 *                           OPTIONAL Get-Data-Result})
 * The parameter-block forms (02..06) are refused with a typed error.
 */
import { readData, writeData, type DlmsData } from '../axdr.js';
import { ByteReader, ByteWriter } from '../byte-io.js';
import { ApduError } from '../errors.js';
import { readDataResult, readMethod, writeDataResult, writeMethod, type DataResult, type MethodReference } from './descriptors.js';
import { expectTag } from './get.js';
import { ApduTag } from './tags.js';

export interface ActionRequest {
  readonly invokeId: number;
  readonly method: MethodReference;
  readonly parameters?: DlmsData | undefined;
}

export interface ActionResponse {
  readonly invokeId: number;
  readonly result: number;
  readonly returned?: DataResult | undefined;
}

export function encodeActionRequest(req: ActionRequest): Uint8Array {
  const w = new ByteWriter(32).u8(ApduTag.ACTION_REQUEST).u8(1).u8(req.invokeId);
  writeMethod(w, req.method);
  if (req.parameters === undefined) w.u8(0);
  else {
    w.u8(1);
    writeData(w, req.parameters);
  }
  return w.finish();
}

export function decodeActionRequest(bytes: Uint8Array): ActionRequest {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'Action-Request' });
  expectTag(r, ApduTag.ACTION_REQUEST, 'Action-Request');
  const choice = r.u8();
  if (choice !== 1) throw new ApduError('DLMS_APDU_MALFORMED', `Action-Request: only the normal form (1) is supported, got ${choice}`);
  const invokeId = r.u8();
  const method = readMethod(r);
  const present = r.u8();
  const parameters = present === 1 ? readData(r) : present === 0 ? undefined : r.malformed(`OPTIONAL flag 0 or 1 expected, got ${present}`);
  r.done();
  return { invokeId, method, parameters };
}

export function encodeActionResponse(res: ActionResponse): Uint8Array {
  const w = new ByteWriter(32).u8(ApduTag.ACTION_RESPONSE).u8(1).u8(res.invokeId).u8(res.result);
  if (res.returned === undefined) w.u8(0);
  else {
    w.u8(1);
    writeDataResult(w, res.returned);
  }
  return w.finish();
}

export function decodeActionResponse(bytes: Uint8Array): ActionResponse {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'Action-Response' });
  expectTag(r, ApduTag.ACTION_RESPONSE, 'Action-Response');
  const choice = r.u8();
  if (choice !== 1) throw new ApduError('DLMS_APDU_MALFORMED', `Action-Response: only the normal form (1) is supported, got ${choice}`);
  const invokeId = r.u8();
  const result = r.u8();
  const present = r.u8();
  const returned = present === 1 ? readDataResult(r) : present === 0 ? undefined : r.malformed(`OPTIONAL flag 0 or 1 expected, got ${present}`);
  r.done();
  return { invokeId, result, returned };
}
