import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../src/index.js';
import {
  cipherApdu, decipherApdu, decodeAarq, decodeInitiateRequest, decodeInitiateResponse, decodeRelease, gmacTag, hlsGmacResponse,
  protect, unprotect, verifyHlsGmac, AssociationError, SecurityError, ApduError, encodeGetRequest, attributeRef, invokeIdAndPriority,
} from '../src/dlms/index.js';

const v = JSON.parse(readFileSync(new URL('./vectors/dlms-u9n-dlms-cosem/security.json', import.meta.url), 'utf8'));
const keys = { encryptionKey: fromHex(v.keys.encryptionKey), authenticationKey: fromHex(v.keys.authenticationKey) };
const ic = (hex: string): number => parseInt(hex, 16);

t.test('Green Book glo-get-request: AES-128-GCM, 12-byte tag, IV = system title || IC', async (t) => {
  const g = v.gloGetRequest;
  const st = fromHex(g.systemTitle);
  t.equal(toHex(protect(g.securityControl, keys, st, ic(g.invocationCounter), fromHex(g.plain))), g.ciphertextAndTag, 'ciphertext || tag');
  t.equal(toHex(unprotect(g.securityControl, keys, st, ic(g.invocationCounter), fromHex(g.ciphertextAndTag))), g.plain, 'and back');
  const apdu = cipherApdu(fromHex(g.plain), { style: 'service-specific', securityControl: g.securityControl, systemTitle: st, invocationCounter: ic(g.invocationCounter), keys });
  t.equal(toHex(apdu), g.apdu, 'the complete glo-get-request APDU');
  const back = decipherApdu(fromHex(g.apdu), { keys, peerSystemTitle: st });
  t.match(back, { securityControl: 0x30, invocationCounter: 0x01234567, style: 'service-specific', dedicated: false });
  t.equal(toHex(back.apdu), g.plain);
});

t.test('Green Book HLS-GMAC pass 3: f(StoC) under the client title and IC', async (t) => {
  const h = v.hlsGmac;
  const tag = gmacTag(keys, fromHex(h.clientSystemTitle), h.clientInvocationCounter, fromHex(h.serverToClientChallenge));
  t.equal(toHex(tag), h.tag);
  const reply = hlsGmacResponse(keys, fromHex(h.clientSystemTitle), h.clientInvocationCounter, fromHex(h.serverToClientChallenge));
  t.equal(toHex(reply), `1000000001${h.tag}`, 'SC || IC || tag as carried in reply_to_HLS_authentication');
  t.equal(verifyHlsGmac(keys, fromHex(h.clientSystemTitle), fromHex(h.serverToClientChallenge), reply), 1, 'the server verifies it and learns IC');
  const wrongKey = { ...keys, authenticationKey: new Uint8Array(16) };
  t.throws(() => verifyHlsGmac(wrongKey, fromHex(h.clientSystemTitle), fromHex(h.serverToClientChallenge), reply), AssociationError);
  t.throws(() => verifyHlsGmac(keys, fromHex(h.clientSystemTitle), fromHex('0000000000000000'), reply), { code: 'DLMS_ASSOCIATION_AUTHENTICATION', reason: 'authentication-failure' });
});

t.test('Green Book ciphered AARQ and RLRE: glo-initiate-request/-response decrypt to the InitiateRequest/-Response', async (t) => {
  const q = v.gloInitiateRequest;
  const aarq = decodeAarq(fromHex(q.aarq));
  t.equal(toHex(aarq.callingApTitle!), q.systemTitle);
  const req = decipherApdu(aarq.userInformation, { keys, peerSystemTitle: aarq.callingApTitle });
  t.equal(toHex(req.apdu), q.plain);
  t.equal(toHex(decodeInitiateRequest(req.apdu).dedicatedKey!), '00112233445566778899aabbccddeeff');
  const e = v.gloInitiateResponse;
  const rlre = decodeRelease('RLRE', fromHex(e.rlre));
  const res = decipherApdu(rlre.userInformation!, { keys, peerSystemTitle: fromHex(e.systemTitle) });
  t.equal(toHex(res.apdu), e.plain);
  t.match(decodeInitiateResponse(res.apdu), { conformance: 0x007c1f, maxReceivePduSize: 1024 });
});

t.test('wrong key, wrong title, flipped bit: DLMS_SECURITY_BAD_TAG', async (t) => {
  const g = v.gloGetRequest;
  const apdu = fromHex(g.apdu);
  t.throws(() => decipherApdu(apdu, { keys: { ...keys, encryptionKey: new Uint8Array(16).fill(1) }, peerSystemTitle: fromHex(g.systemTitle) }), SecurityError);
  t.throws(() => decipherApdu(apdu, { keys, peerSystemTitle: fromHex('4d4d4d0000000002') }), { code: 'DLMS_SECURITY_BAD_TAG' });
  for (let i = 7; i < apdu.length; i++) {
    const bad = apdu.slice();
    bad[i] = bad[i]! ^ 0x04;
    t.throws(() => decipherApdu(bad, { keys, peerSystemTitle: fromHex(g.systemTitle) }), SecurityError, `byte ${i}`);
  }
  t.throws(() => decipherApdu(apdu, { keys }), { code: 'DLMS_SECURITY_NO_KEY' }, 'service-specific needs the peer title');
  t.throws(() => decipherApdu(fromHex('c0010000'), { keys }), ApduError);
  t.throws(() => protect(0x31, keys, fromHex(g.systemTitle), 1, new Uint8Array(1)), { code: 'DLMS_SECURITY_UNSUPPORTED' });
});

t.test('general-glo-ciphering carries the system title; every SC combination round-trips', async (t) => {
  const plain = encodeGetRequest({ kind: 'normal', invokeId: invokeIdAndPriority(1), attribute: attributeRef(8, '0.0.1.0.0.255', 2) });
  const st = fromHex('5753450000000001');
  fc.assert(
    fc.property(fc.constantFrom(0x00, 0x10, 0x20, 0x30), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 300 }), (sc, counter, general, body) => {
      const apdu = Uint8Array.from([0xc0, ...body]);
      const sent = cipherApdu(general ? apdu : plain, { style: general ? 'general' : 'service-specific', securityControl: sc, systemTitle: st, invocationCounter: counter, keys });
      const got = decipherApdu(sent, { keys, peerSystemTitle: general ? undefined : st });
      return toHex(got.apdu) === toHex(general ? apdu : plain) && got.invocationCounter === counter && toHex(got.systemTitle) === toHex(st);
    }),
    { numRuns: 200 },
  );
  const general = cipherApdu(plain, { style: 'general', securityControl: 0x30, systemTitle: st, invocationCounter: 5, keys });
  t.equal(toHex(general.subarray(0, 10)), `db08${toHex(st)}`);
  const dedicatedKey = fromHex('00112233445566778899aabbccddeeff');
  const ded = cipherApdu(plain, { style: 'general', dedicated: true, securityControl: 0x30, systemTitle: st, invocationCounter: 6, keys: { ...keys, encryptionKey: dedicatedKey } });
  t.equal(ded[0], 0xdc);
  t.equal(toHex(decipherApdu(ded, { keys, dedicatedKey }).apdu), toHex(plain));
  t.throws(() => decipherApdu(ded, { keys }), { code: 'DLMS_SECURITY_NO_KEY' });
});

t.test('garbage ciphered APDUs fail with typed errors only', async (t) => {
  fc.assert(
    fc.property(fc.constantFrom(0xc8, 0xcc, 0xdb, 0xdc, 0x21), fc.uint8Array({ maxLength: 80 }), (tag, rest) => {
      try {
        decipherApdu(Uint8Array.from([tag, ...rest]), { keys, peerSystemTitle: fromHex('4d4d4d0000bc614e') });
        return true;
      } catch (error) {
        return error instanceof SecurityError || error instanceof ApduError;
      }
    }),
    { numRuns: 500 },
  );
  t.pass();
});
