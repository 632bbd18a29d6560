import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../src/index.js';
import { decodeWrapper, encodeWrapper, WrapperError, WrapperParser, type WrapperParserEvent, decipherApdu } from '../src/dlms/index.js';

const v = JSON.parse(readFileSync(new URL('./vectors/dlms-u9n-dlms-cosem/wrapper.json', import.meta.url), 'utf8')).vectors[0];

t.test('published wrapper message (UDP datagram with general-glo-ciphering)', async (t) => {
  const bytes = fromHex(v.hex);
  const m = decodeWrapper(bytes);
  t.match(m, { source: v.source, destination: v.destination });
  t.equal(m.apdu.length, v.length);
  t.equal(m.apdu[0], 0xdb, 'general-glo-ciphering');
  t.equal(toHex(m.apdu.subarray(2, 10)), v.systemTitle);
  t.equal(toHex(encodeWrapper(m)), v.hex, 're-encoded');
  const events: WrapperParserEvent[] = [];
  const parser = new WrapperParser();
  for (const b of bytes) events.push(...parser.push(Uint8Array.of(b)));
  t.equal(events.length, 1, 'one message fed one byte at a time');
  t.equal(events[0]!.type === 'message' ? toHex(events[0]!.message.apdu) : '', toHex(m.apdu));
  // The keys of this capture are not published: the tag must refuse a guessed key.
  const keys = { encryptionKey: new Uint8Array(16), authenticationKey: new Uint8Array(16) };
  t.throws(() => decipherApdu(m.apdu, { keys }), { code: 'DLMS_SECURITY_BAD_TAG' });
});

t.test('bad version, wrong length, oversized APDU', async (t) => {
  t.throws(() => decodeWrapper(fromHex('0002000100010000')), { code: 'DLMS_WRAPPER_BAD_HEADER', message: /version 2/ });
  t.throws(() => decodeWrapper(fromHex('00010001000100020a')), WrapperError);
  t.throws(() => decodeWrapper(fromHex('000100')), WrapperError);
  const parser = new WrapperParser({ maxApdu: 100 });
  t.match(parser.push(fromHex('0001001000010200')), [{ type: 'error', error: { code: 'DLMS_WRAPPER_TOO_LONG' } }]);
  t.same(parser.push(fromHex('00010010000100020000')), [], 'a failed stream stays failed until reset');
  parser.reset();
  t.equal(parser.push(fromHex('000100100001000100')).length, 1);
  const hdlcOnTcp = new WrapperParser();
  t.match(hdlcOnTcp.push(fromHex('7ea00802232193bd647e')), [{ type: 'error', error: { code: 'DLMS_WRAPPER_BAD_HEADER' } }], 'an HDLC peer is recognised');
  t.throws(() => encodeWrapper({ source: 70000, destination: 1, apdu: new Uint8Array(0) }), RangeError);
});

t.test('fast-check: messages cut into any chunks come back whole and in order', async (t) => {
  fc.assert(fc.property(
    fc.array(fc.record({ source: fc.integer({ min: 0, max: 0xffff }), destination: fc.integer({ min: 0, max: 0xffff }), apdu: fc.uint8Array({ maxLength: 500 }) }), { minLength: 1, maxLength: 8 }),
    fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
    (messages, cuts) => {
      const stream = Uint8Array.from(messages.flatMap((m) => [...encodeWrapper(m)]));
      const parser = new WrapperParser();
      const got: WrapperParserEvent[] = [];
      for (let at = 0, k = 0; at < stream.length; k++) {
        const n = cuts[k % cuts.length]!;
        got.push(...parser.push(stream.subarray(at, at + n)));
        at += n;
      }
      return got.length === messages.length && got.every((e, i) => e.type === 'message' && toHex(encodeWrapper(e.message)) === toHex(encodeWrapper(messages[i]!)));
    },
  ), { numRuns: 300 });
  t.pass();
});
