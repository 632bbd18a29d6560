import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../src/index.js';
import {
  acseDiagnosticName, ApduError, attributeRef, Conformance, conformanceNames, Data, decodeAare, decodeAarq, decodeActionRequest,
  decodeActionResponse, decodeConfirmedServiceError, decodeExceptionResponse, decodeGetRequest, decodeGetResponse, decodeInitiateRequest,
  decodeInitiateResponse, decodeRelease, decodeSetRequest, decodeSetResponse, describeException, DlmsError, encodeAare, encodeAarq,
  encodeActionRequest, encodeActionResponse, encodeExceptionResponse, encodeGetRequest, encodeGetResponse, encodeInitiateRequest,
  encodeInitiateResponse, encodeRelease, encodeSetRequest, encodeSetResponse, formatObis, invokeIdAndPriority, methodRef, dataAccessResultName,
  type ActionRequest, type DataResult, type DlmsData, type GetRequest, type GetResponse, type SetRequest, type SetResponse,
} from '../src/dlms/index.js';

const load = (path: string): any => JSON.parse(readFileSync(new URL(`./vectors/${path}`, import.meta.url), 'utf8'));
const acse = load('dlms-u9n-dlms-cosem/acse.json');
const xdlms = load('dlms-u9n-dlms-cosem/xdlms.json');

t.test('AARQ examples of the Green Book decode and re-encode byte for byte', async (t) => {
  for (const v of acse.aarq) {
    const aarq = decodeAarq(fromHex(v.hex));
    t.equal(aarq.applicationContext, v.context, `${v.name}: context`);
    if (v.mechanism !== undefined) t.equal(aarq.mechanism, v.mechanism, `${v.name}: mechanism`);
    if (v.authenticationValue !== undefined) t.equal(toHex(aarq.callingAuthenticationValue!), v.authenticationValue);
    if (v.callingApTitle !== undefined) t.equal(toHex(aarq.callingApTitle!), v.callingApTitle);
    if (v.conformance !== undefined) {
      const init = decodeInitiateRequest(aarq.userInformation);
      t.equal(init.conformance, parseInt(v.conformance, 16), `${v.name}: conformance`);
      t.equal(init.maxReceivePduSize, v.maxPdu);
      t.equal(toHex(encodeInitiateRequest(init)), toHex(aarq.userInformation), `${v.name}: InitiateRequest re-encoded`);
    }
    t.equal(toHex(encodeAarq(aarq)), v.hex, `${v.name}: re-encoded`);
  }
  t.same(conformanceNames(0x007e1f), [
    'priority-mgmt-supported', 'attribute0-supported-with-get', 'block-transfer-with-get-or-read', 'block-transfer-with-set-or-write',
    'block-transfer-with-action', 'multiple-references', 'get', 'set', 'selective-access', 'event-notification', 'action',
  ]);
});

t.test('AARE examples: accepted, rejected with the meter\'s reason, HLS challenge', async (t) => {
  for (const v of acse.aare) {
    const aare = decodeAare(fromHex(v.hex));
    t.match(aare, { result: v.result, diagnosticSource: v.source, diagnostic: v.diagnostic }, v.name);
    if (v.mechanism !== undefined) t.equal(aare.mechanism, v.mechanism);
    if (v.authenticationValue !== undefined) t.equal(toHex(aare.respondingAuthenticationValue!), v.authenticationValue);
    if (v.conformance !== undefined) {
      const init = decodeInitiateResponse(aare.userInformation!);
      t.equal(init.conformance, parseInt(v.conformance, 16));
      t.equal(init.maxReceivePduSize, v.maxPdu);
      t.equal(init.vaaName, 7);
      t.equal(toHex(encodeInitiateResponse(init)), toHex(aare.userInformation!));
    }
    if (v.serviceError !== undefined) t.same(decodeConfirmedServiceError(aare.userInformation!), v.serviceError);
    t.equal(toHex(encodeAare(aare)), v.hex, `${v.name}: re-encoded`);
  }
  t.equal(acseDiagnosticName('user', 13), 'authentication-failure');
  t.equal(acseDiagnosticName('user', 2), 'application-context-name-not-supported');
});

t.test('RLRQ / RLRE examples', async (t) => {
  for (const v of acse.release) {
    const r = decodeRelease(v.kind, fromHex(v.hex));
    t.equal(r.reason, v.reason, v.name);
    t.equal(toHex(encodeRelease(v.kind, r)), v.hex, `${v.name}: re-encoded`);
  }
  const withQos = decodeRelease('RLRE', fromHex(acse.release[3].hex));
  t.match(decodeInitiateResponse(withQos.userInformation!), { qualityOfService: 0, conformance: 0x001e1d, maxReceivePduSize: 1224 });
});

t.test('GET, ACTION examples decode and re-encode byte for byte', async (t) => {
  for (const v of xdlms.vectors) {
    const bytes = fromHex(v.hex);
    let again: Uint8Array;
    if (v.type === 'get-request') again = encodeGetRequest(decodeGetRequest(bytes));
    else if (v.type === 'get-response') {
      const res = decodeGetResponse(bytes);
      if (v.value !== undefined) t.match(res, { kind: 'normal', result: { data: { type: 'double-long-unsigned', value: v.value } } });
      if (v.error !== undefined) t.match(res, { kind: 'normal', result: { error: v.error } });
      again = encodeGetResponse(res);
    } else if (v.type === 'action-request') again = encodeActionRequest(decodeActionRequest(bytes));
    else again = encodeActionResponse(decodeActionResponse(bytes));
    t.equal(toHex(again), v.hex, v.name);
  }
  const get = decodeGetRequest(fromHex(xdlms.vectors[0].hex));
  t.match(get, { kind: 'normal', invokeId: 0xc1, attribute: { classId: 1, attribute: 2 }, access: undefined });
  t.equal(formatObis((get as { attribute: { obis: Uint8Array } }).attribute.obis), '0.0.43.1.0.255');
  const list = decodeGetRequest(fromHex(xdlms.vectors[3].hex));
  t.equal(list.kind === 'with-list' ? list.attributes.map((a) => formatObis(a.attribute.obis)).join(' ') : '', '0.0.42.0.0.255 0.0.1.0.0.255');
  const hls = decodeActionRequest(fromHex(xdlms.vectors[7].hex));
  t.match(hls, { invokeId: 0xc0, method: { classId: 15, method: 1 }, parameters: { type: 'octet-string' } });
  t.equal(dataAccessResultName(250), 'other-reason');
});

t.test('built APDUs match the published bytes', async (t) => {
  const req = encodeGetRequest({ kind: 'normal', invokeId: invokeIdAndPriority(1), attribute: attributeRef(1, '0.0.43.1.0.255', 2) });
  t.equal(toHex(req), xdlms.vectors[0].hex);
  t.equal(toHex(encodeGetRequest({ kind: 'next', invokeId: invokeIdAndPriority(1), block: 3 })), xdlms.vectors[2].hex);
  const action = encodeActionRequest({ invokeId: invokeIdAndPriority(0), method: methodRef(15, '0.0.40.0.0.255', 1) });
  t.equal(toHex(action), xdlms.vectors[8].hex);
  t.equal(toHex(encodeActionResponse({ invokeId: 0xc0, result: 0, returned: { error: 250 } })), xdlms.vectors[11].hex);
});

t.test('exception response names the meter\'s reason', async (t) => {
  const e = decodeExceptionResponse(fromHex('d80102'));
  t.same(e, { stateError: 1, serviceError: 2, invocationCounter: undefined });
  t.equal(describeException(e), 'service-not-allowed / service-not-supported');
  const ic = encodeExceptionResponse({ stateError: 1, serviceError: 6, invocationCounter: 0x1234 });
  t.equal(toHex(ic), 'd801060000' + '1234');
  t.match(describeException(decodeExceptionResponse(ic)), /expects invocation counter >= 4660/);
});

const obisArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
const attrArb = fc.record({ classId: fc.integer({ min: 0, max: 0xffff }), obis: obisArb, attribute: fc.integer({ min: -128, max: 127 }) });
const dataArb: fc.Arbitrary<DlmsData> = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }).map(Data.u32),
  fc.uint8Array({ maxLength: 40 }).map(Data.octetString),
  fc.constant(Data.null()),
  fc.array(fc.integer({ min: -128, max: 127 }).map(Data.i8), { maxLength: 5 }).map((items) => Data.structure(...items)),
);
const accessArb = fc.option(fc.record({ selector: fc.integer({ min: 0, max: 255 }), parameters: dataArb }), { nil: undefined });
const iip = fc.integer({ min: 0, max: 255 });

t.test('fast-check: GET / SET / ACTION requests and responses round-trip', async (t) => {
  const getReq: fc.Arbitrary<GetRequest> = fc.oneof(
    fc.record({ kind: fc.constant('normal' as const), invokeId: iip, attribute: attrArb, access: accessArb }),
    fc.record({ kind: fc.constant('next' as const), invokeId: iip, block: fc.integer({ min: 0, max: 0xffffffff }) }),
    fc.record({ kind: fc.constant('with-list' as const), invokeId: iip, attributes: fc.array(fc.record({ attribute: attrArb, access: accessArb }), { maxLength: 5 }) }),
  );
  const result: fc.Arbitrary<DataResult> = fc.oneof(dataArb.map((data): DataResult => ({ data })), fc.integer({ min: 0, max: 255 }).map((error): DataResult => ({ error })));
  const getRes: fc.Arbitrary<GetResponse> = fc.oneof(
    fc.record({ kind: fc.constant('normal' as const), invokeId: iip, result }),
    fc.record({ kind: fc.constant('block' as const), invokeId: iip, last: fc.boolean(), block: fc.integer({ min: 0, max: 0xffffffff }), raw: fc.uint8Array({ maxLength: 300 }) }),
    fc.record({ kind: fc.constant('block' as const), invokeId: iip, last: fc.boolean(), block: fc.nat(), error: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('with-list' as const), invokeId: iip, results: fc.array(result, { maxLength: 5 }) }),
  );
  const setReq: fc.Arbitrary<SetRequest> = fc.oneof(
    fc.record({ kind: fc.constant('normal' as const), invokeId: iip, attribute: attrArb, access: accessArb, value: dataArb }),
    fc.record({ kind: fc.constant('first-block' as const), invokeId: iip, attribute: attrArb, access: accessArb, last: fc.boolean(), block: fc.nat(), raw: fc.uint8Array({ maxLength: 200 }) }),
    fc.record({ kind: fc.constant('block' as const), invokeId: iip, last: fc.boolean(), block: fc.nat(), raw: fc.uint8Array({ maxLength: 200 }) }),
    fc.array(fc.tuple(fc.record({ attribute: attrArb, access: accessArb }), dataArb), { maxLength: 4 }).chain((pairs) => fc.record({
      kind: fc.constant('with-list' as const), invokeId: iip, attributes: fc.constant(pairs.map((p) => p[0])), values: fc.constant(pairs.map((p) => p[1])),
    })),
  );
  const setRes: fc.Arbitrary<SetResponse> = fc.oneof(
    fc.record({ kind: fc.constant('normal' as const), invokeId: iip, result: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('block' as const), invokeId: iip, block: fc.nat() }),
    fc.record({ kind: fc.constant('last-block' as const), invokeId: iip, result: fc.integer({ min: 0, max: 255 }), block: fc.nat() }),
    fc.record({ kind: fc.constant('with-list' as const), invokeId: iip, results: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }) }),
  );
  const actReq: fc.Arbitrary<ActionRequest> = fc.record({ invokeId: iip, method: fc.record({ classId: fc.integer({ min: 0, max: 0xffff }), obis: obisArb, method: fc.integer({ min: -128, max: 127 }) }), parameters: fc.option(dataArb, { nil: undefined }) });
  const same = (a: Uint8Array, b: Uint8Array): boolean => toHex(a) === toHex(b);
  fc.assert(fc.property(getReq, (x) => same(encodeGetRequest(decodeGetRequest(encodeGetRequest(x))), encodeGetRequest(x))), { numRuns: 300 });
  fc.assert(fc.property(getRes, (x) => same(encodeGetResponse(decodeGetResponse(encodeGetResponse(x))), encodeGetResponse(x))), { numRuns: 300 });
  fc.assert(fc.property(setReq, (x) => same(encodeSetRequest(decodeSetRequest(encodeSetRequest(x))), encodeSetRequest(x))), { numRuns: 300 });
  fc.assert(fc.property(setRes, (x) => same(encodeSetResponse(decodeSetResponse(encodeSetResponse(x))), encodeSetResponse(x))), { numRuns: 300 });
  fc.assert(fc.property(actReq, (x) => same(encodeActionRequest(decodeActionRequest(encodeActionRequest(x))), encodeActionRequest(x))), { numRuns: 300 });
  fc.assert(fc.property(iip, fc.integer({ min: 0, max: 255 }), fc.option(result, { nil: undefined }), (invokeId, r, returned) => {
    const x = { invokeId, result: r, returned };
    return same(encodeActionResponse(decodeActionResponse(encodeActionResponse(x))), encodeActionResponse(x));
  }), { numRuns: 200 });
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.boolean(), fc.option(fc.integer({ min: 0, max: 127 }), { nil: undefined }), fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 0xffff }), (key, allowed, qos, conformance, pdu) => {
    const x = { dedicatedKey: key, responseAllowed: allowed, qualityOfService: qos, dlmsVersion: 6, conformance, maxReceivePduSize: pdu };
    return same(encodeInitiateRequest(decodeInitiateRequest(encodeInitiateRequest(x))), encodeInitiateRequest(x));
  }), { numRuns: 200 });
  fc.assert(fc.property(fc.integer({ min: 0, max: 3 }), fc.option(fc.uint8Array({ minLength: 8, maxLength: 8 }), { nil: undefined }), fc.integer({ min: 0, max: 7 }), fc.option(fc.uint8Array({ maxLength: 64 }), { nil: undefined }), fc.uint8Array({ maxLength: 200 }), (ctx, title, mech, value, info) => {
    const x = { applicationContext: (ctx + 1) as 1, callingApTitle: title, mechanism: mech as 0, callingAuthenticationValue: value, userInformation: info };
    const y = { applicationContext: (ctx + 1) as 1, result: mech % 3, diagnosticSource: mech % 2 ? 'user' as const : 'provider' as const, diagnostic: mech, respondingApTitle: title, mechanism: mech as 0, respondingAuthenticationValue: value, userInformation: info };
    return same(encodeAarq(decodeAarq(encodeAarq(x))), encodeAarq(x)) && same(encodeAare(decodeAare(encodeAare(y))), encodeAare(y));
  }), { numRuns: 200 });
  t.pass();
});

t.test('fast-check: random, truncated and bit-flipped APDUs yield only typed DLMS errors', async (t) => {
  const decoders: Array<(b: Uint8Array) => unknown> = [
    decodeAarq, decodeAare, (b) => decodeRelease('RLRQ', b), (b) => decodeRelease('RLRE', b), decodeGetRequest, decodeGetResponse,
    decodeSetRequest, decodeSetResponse, decodeActionRequest, decodeActionResponse, decodeExceptionResponse, decodeInitiateRequest, decodeInitiateResponse,
  ];
  const valid = [...acse.aarq, ...acse.aare, ...acse.release, ...xdlms.vectors].map((v: { hex: string }) => fromHex(v.hex));
  const typedOnly = (bytes: Uint8Array): boolean => {
    for (const decode of decoders) {
      try {
        decode(bytes);
      } catch (error) {
        if (!(error instanceof DlmsError)) throw error;
      }
    }
    return true;
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), typedOnly), { numRuns: 300 });
  fc.assert(fc.property(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, xor) => {
    const copy = bytes.slice();
    copy[at % copy.length] = copy[at % copy.length]! ^ xor;
    return typedOnly(copy) && typedOnly(bytes.subarray(0, at % bytes.length));
  }), { numRuns: 500 });
  t.throws(() => decodeGetRequest(fromHex('c004c1')), ApduError);
  t.throws(() => decodeAarq(fromHex('61')), { code: 'DLMS_APDU_BAD_TAG' });
  t.ok(Conformance.GET > 0);
});
