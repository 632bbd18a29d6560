/**
 * GET service APDUs (IEC 62056-5-3 §8, Green Book §9.4.6.3):
 *
 *   Get-Request   C0 01 normal (iip, attribute, access-selection)   C0 02 next (iip, block-number)
 *                 C0 03 with-list (iip, SEQUENCE OF attribute-with-selection)
 *   Get-Response  C4 01 normal (iip, Get-Data-Result)
 *                 C4 02 with-datablock (iip, last-block, block-number, raw-data [0] | data-access-result [1])
 *                 C4 03 with-list (iip, SEQUENCE OF Get-Data-Result)
 */
import { ByteReader, ByteWriter } from '../byte-io.js';
import { ApduError } from '../errors.js';
import {
  readAttribute, readDataResult, readSelection, writeAttribute, writeDataResult, writeSelection,
  type AttributeReference, type AttributeWithSelection, type DataResult, type SelectiveAccess,
} from './descriptors.js';
import { ApduTag } from './tags.js';

export type GetRequest =
  | { readonly kind: 'normal'; readonly invokeId: number; readonly attribute: AttributeReference; readonly access?: SelectiveAccess | undefined }
  | { readonly kind: 'next'; readonly invokeId: number; readonly block: number }
  | { readonly kind: 'with-list'; readonly invokeId: number; readonly attributes: readonly AttributeWithSelection[] };

export type GetResponse =
  | { readonly kind: 'normal'; readonly invokeId: number; readonly result: DataResult }
  | { readonly kind: 'block'; readonly invokeId: number; readonly last: boolean; readonly block: number; readonly raw?: Uint8Array | undefined; readonly error?: number | undefined }
  | { readonly kind: 'with-list'; readonly invokeId: number; readonly results: readonly DataResult[] };

export function encodeGetRequest(req: GetRequest): Uint8Array {
  const w = new ByteWriter(32).u8(ApduTag.GET_REQUEST);
  switch (req.kind) {
    case 'normal':
      w.u8(1).u8(req.invokeId);
      writeAttribute(w, req.attribute);
      writeSelection(w, req.access);
      break;
    case 'next':
      w.u8(2).u8(req.invokeId).u32(req.block);
      break;
    case 'with-list':
      w.u8(3).u8(req.invokeId).berLength(req.attributes.length);
      for (const a of req.attributes) {
        writeAttribute(w, a.attribute);
        writeSelection(w, a.access);
      }
      break;
  }
  return w.finish();
}

export function decodeGetRequest(bytes: Uint8Array): GetRequest {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'Get-Request' });
  expectTag(r, ApduTag.GET_REQUEST, 'Get-Request');
  const choice = r.u8();
  const invokeId = r.u8();
  let req: GetRequest;
  if (choice === 1) req = { kind: 'normal', invokeId, attribute: readAttribute(r), access: readSelection(r) };
  else if (choice === 2) req = { kind: 'next', invokeId, block: r.u32() };
  else if (choice === 3) {
    const n = r.length();
    if (n * 10 > r.remaining) r.truncated(n * 10);
    const attributes: AttributeWithSelection[] = [];
    for (let i = 0; i < n; i++) attributes.push({ attribute: readAttribute(r), access: readSelection(r) });
    req = { kind: 'with-list', invokeId, attributes };
  } else throw new ApduError('DLMS_APDU_MALFORMED', `Get-Request: unknown choice ${choice}`);
  r.done();
  return req;
}

export function encodeGetResponse(res: GetResponse): Uint8Array {
  const w = new ByteWriter(64).u8(ApduTag.GET_RESPONSE);
  switch (res.kind) {
    case 'normal':
      w.u8(1).u8(res.invokeId);
      writeDataResult(w, res.result);
      break;
    case 'block':
      w.u8(2).u8(res.invokeId).u8(res.last ? 1 : 0).u32(res.block);
      if (res.error !== undefined) w.u8(1).u8(res.error);
      else w.u8(0).berLength(res.raw!.length).bytes(res.raw!);
      break;
    case 'with-list':
      w.u8(3).u8(res.invokeId).berLength(res.results.length);
      for (const result of res.results) writeDataResult(w, result);
      break;
  }
  return w.finish();
}

export function decodeGetResponse(bytes: Uint8Array): GetResponse {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'Get-Response' });
  expectTag(r, ApduTag.GET_RESPONSE, 'Get-Response');
  const choice = r.u8();
  const invokeId = r.u8();
  let res: GetResponse;
  if (choice === 1) res = { kind: 'normal', invokeId, result: readDataResult(r) };
  else if (choice === 2) {
    const last = r.u8() !== 0;
    const block = r.u32();
    const which = r.u8();
    if (which === 0) res = { kind: 'block', invokeId, last, block, raw: r.take(r.length()) };
    else if (which === 1) res = { kind: 'block', invokeId, last, block, error: r.u8() };
    else res = r.malformed(`DataBlock-G result choice 0 or 1 expected, got ${which}`);
  } else if (choice === 3) {
    const n = r.length();
    if (n > r.remaining) r.truncated(n);
    const results: DataResult[] = [];
    for (let i = 0; i < n; i++) results.push(readDataResult(r));
    res = { kind: 'with-list', invokeId, results };
  } else throw new ApduError('DLMS_APDU_MALFORMED', `Get-Response: unknown choice ${choice}`);
  r.done();
  return res;
}

export function expectTag(r: ByteReader, tag: number, what: string): void {
  const got = r.u8();
  if (got !== tag) throw new ApduError('DLMS_APDU_BAD_TAG', `${what}: tag 0x${tag.toString(16)} expected, got 0x${got.toString(16)}`);
}
