// NDEF (NFC Forum NDEF 1.0) codec: known encodings, chunked records, round trips (fast-check),
// one byte at a time, random splits, and garbage that must only ever produce error events.
import fc from 'fast-check';
import t from 'tap';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { decodeNdefMessage, encodeNdefMessage, NdefParser, type NdefRecord, ndefRecord, PairingError, Tnf } from '../src/pairing/index.js';

const uriRecord = ndefRecord(Tnf.WELL_KNOWN, utf8('U'), Uint8Array.of(0x04, ...utf8('example.com')));

t.test('NDEF §3.2 layout: short well-known URI record (RTD-URI, prefix 0x04 = https://)', (t) => {
  // MB|ME|SR|TNF=1, TYPE_LENGTH 1, PAYLOAD_LENGTH 12, TYPE "U", payload.
  const bytes = encodeNdefMessage([uriRecord]);
  t.equal(toHex(bytes), 'd1010c5504' + toHex(utf8('example.com')));
  t.same(decodeNdefMessage(bytes), [{ ...uriRecord }]);
  t.end();
});

t.test('long record (SR clear, 4-byte length), ID field, and two records', (t) => {
  const long = ndefRecord(Tnf.MEDIA_TYPE, utf8('application/octet-stream'), new Uint8Array(300).fill(0xab), utf8('id1'));
  const bytes = encodeNdefMessage([long, uriRecord]);
  t.equal(bytes[0], 0x80 | 0x08 | Tnf.MEDIA_TYPE, 'MB, IL, TNF 2; SR clear, ME clear');
  t.equal(toHex(bytes.subarray(2, 6)), '0000012c', '4-byte payload length');
  t.equal(bytes[6], 3, 'ID_LENGTH');
  const decoded = decodeNdefMessage(bytes);
  t.equal(decoded.length, 2);
  t.same(decoded[0]!.id, utf8('id1'));
  t.same(decoded[0]!.payload, long.payload);
  t.equal(decoded[1]!.tnf, Tnf.WELL_KNOWN);
  t.end();
});

t.test('chunked record §3.2.3: CF on all but the last chunk, TNF 6 and no type after the first', (t) => {
  const record = ndefRecord(Tnf.MEDIA_TYPE, utf8('application/vnd.wattledger.pair'), Uint8Array.from({ length: 25 }, (_, i) => i));
  const bytes = encodeNdefMessage([record], { maxChunkPayload: 10 });
  t.equal(toHex(bytes.subarray(0, 3)), 'b21f0a', 'first chunk: MB CF SR TNF=2, type length 31, 10 bytes');
  const second = 3 + 31 + 10;
  t.equal(bytes[second], 0x20 | 0x10 | Tnf.UNCHANGED, 'middle chunk: CF SR TNF=6');
  t.equal(bytes[second + 1], 0, 'middle chunk has TYPE_LENGTH 0');
  const third = second + 3 + 10;
  t.equal(bytes[third], 0x40 | 0x10 | Tnf.UNCHANGED, 'terminating chunk: ME SR TNF=6, CF clear');
  t.same(decodeNdefMessage(bytes), [{ ...record, id: new Uint8Array(0) }]);
  t.end();
});

const recordArb: fc.Arbitrary<NdefRecord> = fc.oneof(
  fc.record({ tnf: fc.constantFrom(1, 2, 3, 4), type: fc.uint8Array({ minLength: 1, maxLength: 40 }), id: fc.uint8Array({ maxLength: 8 }), payload: fc.uint8Array({ maxLength: 700 }) }),
  fc.record({ tnf: fc.constant(5), type: fc.constant(new Uint8Array(0)), id: fc.uint8Array({ maxLength: 8 }), payload: fc.uint8Array({ maxLength: 300 }) }),
  fc.constant({ tnf: 0, type: new Uint8Array(0), id: new Uint8Array(0), payload: new Uint8Array(0) }),
);

t.test('round trip (fast-check): any records, any chunk size, fed whole, one byte at a time and in random pieces', (t) => {
  fc.assert(
    fc.property(fc.array(recordArb, { minLength: 1, maxLength: 4 }), fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), (records, chunk, cuts) => {
      const bytes = encodeNdefMessage(records, chunk === undefined ? {} : { maxChunkPayload: chunk });
      const expected = records.map((r) => ({ tnf: r.tnf, type: r.type, id: r.id, payload: r.payload }));
      const whole = decodeNdefMessage(bytes).map((r) => ({ ...r }));
      if (JSON.stringify(whole) !== JSON.stringify(expected)) return false;
      const byteParser = new NdefParser();
      const events = Array.from(bytes).flatMap((b) => byteParser.push(Uint8Array.of(b)));
      if (events.length !== 1 || events[0]!.type !== 'message' || JSON.stringify(events[0]!.records.map((r) => ({ ...r }))) !== JSON.stringify(expected)) return false;
      const pieceParser = new NdefParser();
      const pieceEvents = [];
      let offset = 0;
      for (let i = 0; offset < bytes.length; i++) {
        const size = cuts[i % cuts.length]!;
        pieceEvents.push(...pieceParser.push(bytes.subarray(offset, offset + size)));
        offset += size;
      }
      return pieceEvents.length === 1 && pieceEvents[0]!.type === 'message' && !pieceParser.pending;
    }),
    { numRuns: 300 },
  );
  t.end();
});

t.test('back-to-back messages in one push come out as separate events', (t) => {
  const parser = new NdefParser();
  const a = encodeNdefMessage([uriRecord]);
  const b = encodeNdefMessage([ndefRecord(Tnf.EXTERNAL, utf8('example.com:x'), utf8('hi'))], { maxChunkPayload: 1 });
  const events = parser.push(Uint8Array.of(...a, ...b, ...a));
  t.same(events.map((e) => e.type), ['message', 'message', 'message']);
  t.end();
});

t.test('malformed messages are error events with the reason', (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['no MB on the first record', '51010c55', /does not start with an MB/],
    ['TNF 7 reserved', 'd7000000', /reserved/],
    ['TNF 6 outside a chunk', 'd6000000', /outside a chunked record/],
    ['empty record with a payload', 'd0000100', /empty NDEF record/],
    ['unknown (TNF 5) with a type', 'd5010055', /TYPE_LENGTH 0/],
    ['well-known without a type', 'd1000100', /needs a type/],
    ['CF and ME together', 'f1010155' + '00', /ME set on a chunk/],
    ['middle chunk with a type', 'b1010155' + '00' + '36010155', /TYPE_LENGTH 0/],
    ['middle chunk with an ID', 'b1010155' + '00' + '3e00010100', /must not have an ID/],
    ['chunk followed by a new typed record', 'b1010155' + '00' + '51010155', /TNF 0x06/],
    ['MB inside a message', '91010155' + '00' + 'd1010155', /MB set on a record inside/],
  ];
  for (const [name, hex, reason] of cases) {
    const events = new NdefParser().push(fromHex(hex));
    t.match(events[0], { type: 'error', code: 'BAD_FRAME', reason }, name);
    t.throws(() => decodeNdefMessage(fromHex(hex)), { code: 'BAD_FRAME' }, `${name} (decodeNdefMessage)`);
  }
  t.end();
});

t.test('size limit is enforced from the length field, before buffering', (t) => {
  const parser = new NdefParser({ maxMessageBytes: 100 });
  t.match(parser.push(fromHex('c20100000101')), [{ type: 'error', code: 'TOO_LARGE' }], '4-byte length 0x00000101 > 100');
  t.match(new NdefParser().push(fromHex('c201ffffffff')), [{ type: 'error', code: 'TOO_LARGE' }], '4 GiB announced');
  t.end();
});

t.test('after an error the parser resynchronises on the next MB record', (t) => {
  const parser = new NdefParser();
  const events = parser.push(Uint8Array.of(0x00, 0x13, 0x37, ...encodeNdefMessage([uriRecord])));
  t.same(events.map((e) => e.type), ['error', 'message']);
  t.end();
});

t.test('truncated and trailing bytes', (t) => {
  const bytes = encodeNdefMessage([uriRecord, uriRecord], { maxChunkPayload: 5 });
  for (let n = 0; n < bytes.length; n++) t.throws(() => decodeNdefMessage(bytes.subarray(0, n)), { code: 'BAD_FRAME' });
  t.throws(() => decodeNdefMessage(Uint8Array.of(...bytes, 0xd1)), /after the end/);
  t.end();
});

t.test('garbage: random bytes only ever produce events, never exceptions; decode throws only PairingError', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const parser = new NdefParser({ maxMessageBytes: 1024 });
      for (const b of bytes) parser.push(Uint8Array.of(b));
      try {
        decodeNdefMessage(bytes);
      } catch (error) {
        if (!(error instanceof PairingError)) throw error;
      }
      return true;
    }),
    { numRuns: 1000 },
  );
  t.end();
});

t.test('encoder argument checks', (t) => {
  t.throws(() => encodeNdefMessage([]), RangeError);
  t.throws(() => ndefRecord(Tnf.UNCHANGED, new Uint8Array(0), new Uint8Array(0)), RangeError);
  t.throws(() => ndefRecord(Tnf.WELL_KNOWN, new Uint8Array(0), new Uint8Array(1)), RangeError);
  t.throws(() => encodeNdefMessage([uriRecord], { maxChunkPayload: 0 }), RangeError);
  t.end();
});
