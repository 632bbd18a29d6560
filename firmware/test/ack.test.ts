/** Ack payload (core/ack.ts): one CBOR unsigned integer in shortest form (RFC 8949 §3.1, §4.2.1). */
import fc from 'fast-check';
import t from 'tap';
import { fromHex, MAX_SEQ } from '@wattledger/protocol';
import { decodeAck, encodeAck } from '../src/core/ack.js';

t.test('RFC 8949 Appendix A encodings of unsigned integers decode as acks', async (t) => {
  const vectors: Array<[string, number]> = [['00', 0], ['17', 23], ['1818', 24], ['1903e8', 1000], ['1a000f4240', 1000000], ['1affffffff', MAX_SEQ]];
  for (const [hex, value] of vectors) {
    t.same(decodeAck(fromHex(hex)), { ok: true, seq: value }, hex);
    t.equal(Buffer.from(encodeAck(value)).toString('hex'), hex);
  }
});

t.test('encode/decode round trip', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: MAX_SEQ }), (seq) => {
    const r = decodeAck(encodeAck(seq));
    return r.ok && r.seq === seq;
  }));
  t.throws(() => encodeAck(-1), RangeError);
  t.throws(() => encodeAck(2 ** 32), RangeError);
});

t.test('garbage is refused with a reason, never thrown', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['20', /unsigned integer/],
    ['1b0000000100000000', /unsigned integer/],
    ['1805', /shortest form/],
    ['fb3ff0000000000000', /shortest form/],
    ['fb3ff8000000000000', /unsigned integer/],
    ['6131', /unsigned integer/],
    ['0000', /not CBOR/],
    ['18', /not CBOR/],
    ['ff', /not CBOR|unsigned integer/],
    ['a0', /unsigned integer/],
    ['00'.repeat(17), /bytes/],
  ];
  for (const [hex, reason] of cases) {
    const r = decodeAck(fromHex(hex));
    t.equal(r.ok, false, `refuses ${hex || 'empty'}`);
    if (!r.ok) t.match(r.reason, reason);
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
    const r = decodeAck(bytes);
    return r.ok ? Number.isInteger(r.seq) : typeof r.reason === 'string';
  }));
});
