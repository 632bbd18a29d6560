/**
 * The ledger's CBOR writer gives the protocol profile's bytes (cbor-x) for the values it
 * handles, and state records and events round-trip through it.
 */
import t from 'tap';
import fc from 'fast-check';
import { decodeCbor, encodeCbor, toHex } from '@wattledger/protocol';
import { CborWriter } from '../src/core/cbor-writer.js';
import { decodeEvent, encodeEvent, EVENT_FIELDS, writeEventFields, type LedgerEvent } from '../src/core/events.js';
import { decodeRecord, encodeRecord } from '../src/core/record-codec.js';
import { newAsset } from '../src/core/types.js';

type Item = number | string | null | boolean | Uint8Array | Item[];
const item: fc.Arbitrary<Item> = fc.letrec<{ item: Item }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ maxLength: 300 }),
    fc.constant(null),
    fc.boolean(),
    fc.uint8Array({ maxLength: 300 }),
    fc.array(tie('item'), { maxLength: 6 }),
  ),
})).item;

function write(w: CborWriter, value: Item): void {
  if (value === null) w.null();
  else if (typeof value === 'boolean') w.bool(value);
  else if (typeof value === 'number') w.uint(value);
  else if (typeof value === 'string') w.text(value);
  else if (value instanceof Uint8Array) w.bytes(value);
  else {
    w.array(value.length);
    for (const v of value) write(w, v);
  }
}

t.test('same bytes as the protocol profile (cbor-x) for uint32, text, bytes, bool, null, arrays', async (t) => {
  fc.assert(fc.property(item, (value) => {
    const w = new CborWriter(1);
    write(w, value);
    return toHex(w.view8()) === toHex(encodeCbor(value));
  }), { numRuns: 2000, seed: 5 });
  t.pass();
});

t.test('long text (the encodeInto path) gives the same bytes, non-ASCII and lone surrogates included', async (t) => {
  const long = fc.tuple(fc.string({ minLength: 32, maxLength: 300 }), fc.nat(), fc.constantFrom('é', '€', '😀', '\ud800', '\udfff', 'a'))
    .map(([ascii, at, odd]) => ascii.slice(0, at % (ascii.length + 1)) + odd + ascii.slice(at % (ascii.length + 1)));
  fc.assert(fc.property(long, (value) => {
    const w = new CborWriter(1);
    w.text(value).uint(7);
    // A lone surrogate is written as U+FFFD (well-formed UTF-8, as TextEncoder does); cbor-x
    // would write its WTF-8 bytes, which no UTF-8 decoder accepts.
    const wellFormed = value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
    return toHex(w.view8()) === toHex(encodeCbor(wellFormed)) + '07';
  }), { numRuns: 3000, seed: 11 });
  const hex = 'ab'.repeat(32);
  t.equal(toHex(new CborWriter(1).asciiz(hex).view8()), toHex(new TextEncoder().encode(hex)) + '00', 'long asciiz');
  t.throws(() => new CborWriter(1).asciiz(`${hex}é`), RangeError, 'long non-ASCII asciiz');
  t.throws(() => new CborWriter(1).asciiz('é'), RangeError, 'short non-ASCII asciiz');
});

t.test('repeated long texts (copied from their earlier bytes) and buffer reuse give the same bytes', async (t) => {
  const pool = ['a', 'b', 'c', 'd', 'e', 'f'].map((c) => c.repeat(40)).concat(['0123456789abcdef'.repeat(4), 'x'.repeat(31), 'é'.repeat(33)]);
  const step = fc.oneof(fc.constantFrom(...pool).map((text) => ({ text })), fc.constant({ reset: true as const }), fc.nat(300).map((n) => ({ n })));
  fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
    const w = new CborWriter(8);
    let expected: Array<string | number> = [];
    for (const s of steps) {
      if ('reset' in s) {
        w.position = 0;
        expected = [];
      } else if ('text' in s) {
        w.text(s.text);
        expected.push(s.text);
      } else {
        w.uint(s.n);
        expected.push(s.n);
      }
    }
    return toHex(w.view8()) === expected.map((v) => toHex(encodeCbor(v))).join('');
  }), { numRuns: 2000, seed: 12 });
  const w = new CborWriter(8);
  w.asciiz('k'.repeat(40)).text('k'.repeat(40));
  t.equal(toHex(w.view8()), toHex(new TextEncoder().encode('k'.repeat(40))) + '00' + toHex(encodeCbor('k'.repeat(40))), 'a key then the same id');
});

t.test('integers above uint32 are float64 and decode back exactly', async (t) => {
  for (const n of [0x1_0000_0000, 2 ** 40 + 1, Number.MAX_SAFE_INTEGER]) {
    const w = new CborWriter(4);
    w.uint(n);
    t.equal(decodeCbor(w.view8()), n);
  }
  t.throws(() => new CborWriter().uint(-1), RangeError);
  t.throws(() => new CborWriter().uint(1.5), RangeError);
});

t.test('records round-trip through their canonical bytes', async (t) => {
  const asset = newAsset({ id: 'a'.repeat(64), root: 'b'.repeat(64), offset: 5, wh: 7, meterId: '0123456789abcdef', producer: '1'.repeat(16), method: 1, intervalStart: 1800, expiry: 99_000, sourceTx: 'c'.repeat(64), issuedHeight: 3, owner: '2'.repeat(16), status: 'allocated', consumer: '3'.repeat(16), usageInterval: 3600 });
  const decoded = decodeRecord('asset', encodeRecord('asset', asset));
  t.same(decoded, asset);
  t.equal(toHex(encodeRecord('asset', decoded)), toHex(encodeRecord('asset', asset)), 'stable bytes');
  const history = { consumer: '3'.repeat(16), byMethod: new Map([[9, 160_000], [1, 20_000]]), renewableWh: 20_000, totalWh: 2 ** 40, unmatchedWh: 0 };
  t.same(decodeRecord('history', encodeRecord('history', history)), history);
  const meter = { id: '0123456789abcdef', publicKey: new Uint8Array(32).fill(9), role: 'producer' as const, owner: '1'.repeat(16), intermediary: '2'.repeat(16), productionMethod: 2, ratedPowerW: 5000, lastSeq: -1, lastReadingHash: '' };
  t.same(decodeRecord('meter', encodeRecord('meter', meter)), meter);
});

t.test('events round-trip and are CBOR of the profile', async (t) => {
  const events: LedgerEvent[] = [
    { kind: 'allocate', intermediary: '1'.repeat(16), consumer: '2'.repeat(16), closeInterval: 1800, usageInterval: 0, assetId: 'a'.repeat(64), root: 'b'.repeat(64), offset: 0, wh: 12, meterId: '3'.repeat(16), method: 1, productionInterval: 0, lender: null },
    { kind: 'unmatched', intermediary: '1'.repeat(16), consumer: '2'.repeat(16), closeInterval: 1800, usageInterval: 0, wh: 5, reason: 'no-assets' },
    { kind: 'borrow', borrower: '1'.repeat(16), lender: '4'.repeat(16), consumer: '2'.repeat(16), method: 1, wh: 3, closeInterval: 1800 },
    { kind: 'transfer', assetId: 'a'.repeat(64), root: 'b'.repeat(64), offset: 1, wh: 2, from: '4'.repeat(16), to: '1'.repeat(16), reason: 'borrow' },
    { kind: 'expire', assetId: 'a'.repeat(64), owner: '1'.repeat(16), wh: 9 },
  ];
  for (const e of events) {
    const bytes = encodeEvent(e);
    t.same(decodeEvent(bytes), e, e.kind);
    t.ok(Array.isArray(decodeCbor(bytes)), `${e.kind} is a CBOR array`);
  }
  t.equal(decodeEvent(encodeCbor(['allocate', 1, 2])), undefined, 'wrong arity');
  t.equal(decodeEvent(encodeCbor(['mint', 'x'])), undefined, 'unknown kind');
  t.equal(decodeEvent(new Uint8Array([0xff])), undefined, 'not CBOR');
});

t.test('every event kind: the field-by-field writers give the generic writer\'s bytes and cbor-x\'s', async (t) => {
  const id = fc.stringMatching(/^[0-9a-f]{16}$/);
  const hash = fc.stringMatching(/^[0-9a-f]{64}$/);
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const event: fc.Arbitrary<LedgerEvent> = fc.oneof(
    fc.record({ kind: fc.constant('allocate' as const), intermediary: id, consumer: id, closeInterval: u32, usageInterval: u32, assetId: hash, root: hash, offset: u32, wh: u32, meterId: id, method: fc.integer({ min: 1, max: 11 }), productionInterval: u32, lender: fc.option(id, { nil: null }) }),
    fc.record({ kind: fc.constant('unmatched' as const), intermediary: id, consumer: id, closeInterval: u32, usageInterval: u32, wh: u32, reason: fc.constantFrom('no-contract' as const, 'no-assets' as const) }),
    fc.record({ kind: fc.constant('borrow' as const), borrower: id, lender: id, consumer: id, method: fc.integer({ min: 1, max: 11 }), wh: u32, closeInterval: u32 }),
    fc.record({ kind: fc.constant('transfer' as const), assetId: hash, root: hash, offset: u32, wh: u32, from: id, to: id, reason: fc.constantFrom('owner' as const, 'borrow' as const) }),
    fc.record({ kind: fc.constant('expire' as const), assetId: hash, owner: id, wh: u32 }),
  );
  fc.assert(fc.property(event, (e) => {
    const generic = new CborWriter(8);
    writeEventFields(e, generic);
    const fields = (EVENT_FIELDS[e.kind] as readonly string[]).map((f) => (e as unknown as Record<string, unknown>)[f]);
    const expected = toHex(encodeCbor([e.kind, ...fields]));
    return toHex(encodeEvent(e)) === expected && toHex(generic.view8()) === expected;
  }), { numRuns: 1000, seed: 13 });
  t.pass();
});
