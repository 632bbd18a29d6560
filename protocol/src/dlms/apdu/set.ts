/**
 * SET service APDUs (IEC 62056-5-3 §8, Green Book §9.4.6.4):
 *
 *   Set-Request   C1 01 normal (iip, attribute, access-selection, value)
 *                 C1 02 with-first-datablock (iip, attribute, access-selection, DataBlock-SA)
 *                 C1 03 with-datablock (iip, DataBlock-SA)    C1 04 with-list (iip, attributes, values)
 *   Set-Response  C5 01 normal (iip, result)   C5 02 datablock (iip, block-number)
 *                 C5 03 last-datablock (iip, result, block-number)   C5 04 with-list (iip, results)
 * DataBlock-SA ::= { last-block BOOLEAN, block-number Unsigned32, raw-data OCTET STRING }.
 * Set-Request-With-List-And-First-Datablock (05) is not implemented.
 */
import { readData, writeData, type DlmsData } from '../axdr.js';
import { ByteReader, ByteWriter } from '../byte-io.js';
import { ApduError } from '../errors.js';
import { readAttribute, readSelection, writeAttribute, writeSelection, type AttributeReference, type AttributeWithSelection, type SelectiveAccess } from './descriptors.js';
import { expectTag } from './get.js';
import { ApduTag } from './tags.js';

export type SetRequest =
  | { readonly kind: 'normal'; readonly invokeId: number; readonly attribute: AttributeReference; readonly access?: SelectiveAccess | undefined; readonly value: DlmsData }
  | { readonly kind: 'first-block'; readonly invokeId: number; readonly attribute: AttributeReference; readonly access?: SelectiveAccess | undefined; readonly last: boolean; readonly block: number; readonly raw: Uint8Array }
  | { readonly kind: 'block'; readonly invokeId: number; readonly last: boolean; readonly block: number; readonly raw: Uint8Array }
  | { readonly kind: 'with-list'; readonly invokeId: number; readonly attributes: readonly AttributeWithSelection[]; readonly values: readonly DlmsData[] };

export type SetResponse =
  | { readonly kind: 'normal'; readonly invokeId: number; readonly result: number }
  | { readonly kind: 'block'; readonly invokeId: number; readonly block: number }
  | { readonly kind: 'last-block'; readonly invokeId: number; readonly result: number; readonly block: number }
  | { readonly kind: 'with-list'; readonly invokeId: number; readonly results: readonly number[] };

function writeBlock(w: ByteWriter, last: boolean, block: number, raw: Uint8Array): void {
  w.u8(last ? 1 : 0).u32(block).berLength(raw.length).bytes(raw);
}

export function encodeSetRequest(req: SetRequest): Uint8Array {
  const w = new ByteWriter(64).u8(ApduTag.SET_REQUEST);
  switch (req.kind) {
    case 'normal':
      w.u8(1).u8(req.invokeId);
      writeAttribute(w, req.attribute);
      writeSelection(w, req.access);
      writeData(w, req.value);
      break;
    case 'first-block':
      w.u8(2).u8(req.invokeId);
      writeAttribute(w, req.attribute);
      writeSelection(w, req.access);
      writeBlock(w, req.last, req.block, req.raw);
      break;
    case 'block':
      w.u8(3).u8(req.invokeId);
      writeBlock(w, req.last, req.block, req.raw);
      break;
    case 'with-list':
      if (req.attributes.length !== req.values.length) throw new RangeError('Set-Request-With-List: one value per attribute');
      w.u8(4).u8(req.invokeId).berLength(req.attributes.length);
      for (const a of req.attributes) {
        writeAttribute(w, a.attribute);
        writeSelection(w, a.access);
      }
      w.berLength(req.values.length);
      for (const v of req.values) writeData(w, v);
      break;
  }
  return w.finish();
}

export function decodeSetRequest(bytes: Uint8Array): SetRequest {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'Set-Request' });
  expectTag(r, ApduTag.SET_REQUEST, 'Set-Request');
  const choice = r.u8();
  const invokeId = r.u8();
  let req: SetRequest;
  if (choice === 1) req = { kind: 'normal', invokeId, attribute: readAttribute(r), access: readSelection(r), value: readData(r) };
  else if (choice === 2) {
    const attribute = readAttribute(r);
    const access = readSelection(r);
    req = { kind: 'first-block', invokeId, attribute, access, last: r.u8() !== 0, block: r.u32(), raw: r.take(r.length()).slice() };
  } else if (choice === 3) req = { kind: 'block', invokeId, last: r.u8() !== 0, block: r.u32(), raw: r.take(r.length()).slice() };
  else if (choice === 4) {
    const n = r.length();
    if (n * 10 > r.remaining) r.truncated(n * 10);
    const attributes: AttributeWithSelection[] = [];
    for (let i = 0; i < n; i++) attributes.push({ attribute: readAttribute(r), access: readSelection(r) });
    const m = r.length();
    if (m !== n) r.malformed(`Set-Request-With-List: ${n} attributes but ${m} values`);
    const values: DlmsData[] = [];
    for (let i = 0; i < m; i++) values.push(readData(r));
    req = { kind: 'with-list', invokeId, attributes, values };
  } else throw new ApduError('DLMS_APDU_MALFORMED', `Set-Request: choice ${choice} is not supported`);
  r.done();
  return req;
}

export function encodeSetResponse(res: SetResponse): Uint8Array {
  const w = new ByteWriter(16).u8(ApduTag.SET_RESPONSE);
  switch (res.kind) {
    case 'normal':
      w.u8(1).u8(res.invokeId).u8(res.result);
      break;
    case 'block':
      w.u8(2).u8(res.invokeId).u32(res.block);
      break;
    case 'last-block':
      w.u8(3).u8(res.invokeId).u8(res.result).u32(res.block);
      break;
    case 'with-list':
      w.u8(4).u8(res.invokeId).berLength(res.results.length);
      for (const result of res.results) w.u8(result);
      break;
  }
  return w.finish();
}

export function decodeSetResponse(bytes: Uint8Array): SetResponse {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'Set-Response' });
  expectTag(r, ApduTag.SET_RESPONSE, 'Set-Response');
  const choice = r.u8();
  const invokeId = r.u8();
  let res: SetResponse;
  if (choice === 1) res = { kind: 'normal', invokeId, result: r.u8() };
  else if (choice === 2) res = { kind: 'block', invokeId, block: r.u32() };
  else if (choice === 3) res = { kind: 'last-block', invokeId, result: r.u8(), block: r.u32() };
  else if (choice === 4) {
    const n = r.length();
    res = { kind: 'with-list', invokeId, results: Array.from(r.take(n)) };
  } else throw new ApduError('DLMS_APDU_MALFORMED', `Set-Response: choice ${choice} is not supported`);
  r.done();
  return res;
}
