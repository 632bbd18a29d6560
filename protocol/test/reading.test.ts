import t from 'tap';
import fc from 'fast-check';
import {
  BadReadingError, DEFAULT_INTERVAL_S, ReadingFlag, ZERO_HASH, alignIntervalStart, chainLinks, decodeReadingPayload, decodeSignedReadings,
  encodeReading, encodeReadingBatch, encodeCbor, fromHex, meterIdFromPublicKey, nobleEd25519, readingHash, signReadings, toHex, validateReading,
  verifySignedReadings, type IntervalReading, PRODUCTION_METHODS, isRenewable, productionMethodByName, decodeCbor,
} from '../src/index.js';
import { nodeEd25519 } from '../src/node/index.js';
import { assertGarbageSafe } from './helpers.js';

const signer = nobleEd25519.signer(fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'));
const meterId = meterIdFromPublicKey(signer.publicKey);

function reading(overrides: Partial<IntervalReading> = {}): IntervalReading {
  return {
    version: 1, meterId, seq: 1, intervalStart: 1_790_000_000 - (1_790_000_000 % 1800), intervalLength: DEFAULT_INTERVAL_S,
    importedWh: 0, exportedWh: 1234, flags: 0, productionMethod: 1, prevHash: ZERO_HASH, ...overrides,
  };
}

const arbReading = fc.record({
  version: fc.constant(1),
  meterId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map(toHex),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  intervalLength: fc.constantFrom(60, 300, 900, 1800, 3600, 86400),
  slot: fc.integer({ min: 0, max: 40_000 }),
  importedWh: fc.integer({ min: 0, max: 0xffffffff }),
  exportedWh: fc.integer({ min: 0, max: 0xffffffff }),
  flags: fc.integer({ min: 0, max: 63 }),
  productionMethod: fc.integer({ min: 0, max: 11 }),
  prevHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
}).map(({ slot, ...r }): IntervalReading => ({ ...r, intervalStart: slot * r.intervalLength }));

t.test('meter id is the first 8 bytes of SHA-256 of the public key, hex', async (t) => {
  // SHA-256(3d4017...660c) computed independently with node:crypto
  const { createHash } = await import('node:crypto');
  t.equal(meterId, createHash('sha256').update(signer.publicKey).digest('hex').slice(0, 16));
  t.throws(() => meterIdFromPublicKey(new Uint8Array(31)), TypeError);
});

t.test('single reading round trip and size budget (<= 160 bytes signed)', async (t) => {
  const worst = reading({ seq: 0xffffffff, importedWh: 0xffffffff, exportedWh: 0xffffffff, flags: 63, productionMethod: 11 });
  const signed = signReadings(worst, signer);
  t.ok(signed.length <= 160, `worst-case signed reading is ${signed.length} bytes`);
  const decoded = decodeSignedReadings(signed);
  t.same(decoded.readings, [worst]);
  verifySignedReadings(decoded, signer.publicKey, nodeEd25519);
  t.pass('verifies with node:crypto');
});

t.test('encode/decode round trip (fast-check), single and batch', async (t) => {
  fc.assert(fc.property(arbReading, (r) => {
    const back = decodeReadingPayload(encodeReading(r));
    return back.length === 1 && toHex(encodeReading(back[0]!)) === toHex(encodeReading(r));
  }), { numRuns: 300 });
  fc.assert(fc.property(arbReading, fc.integer({ min: 1, max: 48 }), (r, n) => {
    const batch = Array.from({ length: n }, (_, i) => ({ ...r, seq: i, intervalStart: r.intervalStart + i * r.intervalLength }));
    const back = decodeReadingPayload(encodeReadingBatch(batch));
    return back.length === n && back.every((b, i) => b.seq === i && toHex(b.prevHash) === toHex(r.prevHash));
  }), { numRuns: 100 });
  t.pass();
});

t.test('a batch of 48 costs far less than 48 signed readings', async (t) => {
  const batch = Array.from({ length: 48 }, (_, i) => reading({ seq: i + 1, intervalStart: reading().intervalStart + i * 1800 }));
  const perReading = signReadings(batch, signer).length / 48;
  t.ok(perReading < 80, `batched: ${perReading.toFixed(1)} bytes per reading`);
  const decoded = decodeSignedReadings(signReadings(batch, signer));
  t.equal(decoded.readings.length, 48);
  verifySignedReadings(decoded, signer.publicKey, nobleEd25519);
});

t.test('hash chain: each reading links to the SHA-256 of the previous payload', async (t) => {
  const first = reading();
  const second = reading({ seq: 2, intervalStart: first.intervalStart + 1800, prevHash: readingHash(first) });
  t.ok(chainLinks(first, second));
  t.notOk(chainLinks(second, first), 'backwards is not a link');
  t.notOk(chainLinks(first, reading({ seq: 2, prevHash: ZERO_HASH })), 'wrong hash is not a link');
  const { createHash } = await import('node:crypto');
  t.equal(toHex(readingHash(first)), createHash('sha256').update(encodeReading(first)).digest('hex'));
});

t.test('validation names the field and rejects out-of-contract values', async (t) => {
  const bad: Array<[string, Partial<IntervalReading>]> = [
    ['version', { version: 2 }],
    ['meterId', { meterId: 'ABCDEF0123456789' }],
    ['seq', { seq: -1 }],
    ['seq', { seq: 2 ** 32 }],
    ['intervalLength', { intervalLength: 7 }],
    ['intervalStart', { intervalStart: 1_790_000_001 }],
    ['importedWh', { importedWh: 1.5 }],
    ['exportedWh', { exportedWh: 2 ** 32 }],
    ['flags', { flags: 64 }],
    ['productionMethod', { productionMethod: 12 }],
    ['prevHash', { prevHash: new Uint8Array(31) }],
  ];
  for (const [field, o] of bad) t.throws(() => validateReading(reading(o)), { code: 'BAD_READING', message: new RegExp(field) }, field);
  t.throws(() => decodeReadingPayload(encodeCbor([1, 2, 3])), BadReadingError);
  t.throws(() => decodeReadingPayload(encodeCbor([])), BadReadingError);
});

t.test('non-canonical encodings are refused so hashes cannot be malleated', async (t) => {
  const bytes = encodeReading(reading({ seq: 5 }));
  // seq 5 encoded as 0x1a 00000005 instead of 0x05
  const hex = toHex(bytes).replace('480123', '');
  const canonicalSeq = toHex(bytes).indexOf(toHex(fromHex(meterId))) / 2 + 8;
  const padded = new Uint8Array([...bytes.subarray(0, canonicalSeq), 0x1a, 0, 0, 0, 5, ...bytes.subarray(canonicalSeq + 1)]);
  t.ok(hex.length > 0);
  t.same(decodeCbor(padded), decodeCbor(bytes), 'same values');
  t.throws(() => decodeReadingPayload(padded), { code: 'BAD_READING', message: /canonical/ });
});

/** Every way to write `bytes`' item at `at` (an unsigned integer head) longer than needed. */
function lengthenedHeads(bytes: Uint8Array, at: number): Uint8Array[] {
  const initial = bytes[at]!;
  const info = initial & 31;
  const size = info < 24 ? 1 : info === 24 ? 2 : info === 25 ? 3 : 5;
  let value = 0;
  for (let i = 1; i < size; i++) value = value * 256 + bytes[at + i]!;
  if (size === 1) value = info;
  const major = initial & 0xe0;
  const forms: number[][] = [];
  if (size < 2 && value < 256) forms.push([major | 24, value]);
  if (size < 3) forms.push([major | 25, value >> 8, value & 255]);
  if (size < 5) forms.push([major | 26, 0, 0, value >> 8, value & 255]);
  forms.push([major | 27, 0, 0, 0, 0, value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
  return forms.map((head) => new Uint8Array([...bytes.subarray(0, at), ...head, ...bytes.subarray(at + size)]));
}

/** Offsets of the heads of a single reading's array and of its ten fields. */
function fieldHeads(bytes: Uint8Array): number[] {
  const heads = [0];
  let p = 1;
  for (let field = 0; field < 10; field++) {
    heads.push(p);
    const info = bytes[p]! & 31;
    const size = info < 24 ? 1 : info === 24 ? 2 : info === 25 ? 3 : 5;
    let value = info;
    if (size > 1) { value = 0; for (let i = 1; i < size; i++) value = value * 256 + bytes[p + i]!; }
    p += size + (bytes[p]! >> 5 === 2 ? value : 0);
  }
  return heads;
}

t.test('every longer-than-needed head of a reading is refused as non-canonical (fast-check)', async (t) => {
  fc.assert(fc.property(arbReading, (r) => {
    const bytes = encodeReading(r);
    for (const at of fieldHeads(bytes)) {
      for (const variant of lengthenedHeads(bytes, at)) {
        try {
          decodeReadingPayload(variant);
          return false;
        } catch (error) {
          if (!(error instanceof BadReadingError || (error as { code?: string }).code === 'BAD_CBOR')) throw error;
        }
      }
    }
    return true;
  }), { numRuns: 100 });
  t.pass();
});

t.test('indefinite lengths, floats and long batch heads are refused; the canonical bytes are not', async (t) => {
  const r = reading({ seq: 70_000, exportedWh: 100_000 });
  const bytes = encodeReading(r);
  const hex = toHex(bytes);
  const nonCanonical = (what: string, variant: string) => t.throws(() => decodeReadingPayload(fromHex(variant)), { code: 'BAD_READING', message: /canonical/ }, what);
  nonCanonical('indefinite-length array', `9f${hex.slice(2)}ff`);
  nonCanonical('exportedWh as float32 (same length as its uint32)', hex.replace('1a000186a0', 'fa47c35000'));
  t.same(decodeCbor(fromHex(hex.replace('1a000186a0', 'fa47c35000'))), decodeCbor(bytes), 'the float decodes to the same values');
  t.throws(() => decodeReadingPayload(fromHex(`${hex.slice(0, -68)}5f5820${hex.slice(-64)}ff`)), { code: 'BAD_CBOR' }, 'prevHash as an indefinite byte string');
  nonCanonical('batch of one with a 1-byte count', `9801${hex}`);
  t.same(decodeReadingPayload(fromHex(`81${hex}`)), [r], 'batch of one, canonical');
  t.same(decodeReadingPayload(bytes), [r], 'single, canonical');
  const batch = encodeReadingBatch(Array.from({ length: 30 }, (_, i) => reading({ seq: i + 1, intervalStart: r.intervalStart + 1800 * i })));
  t.equal(toHex(batch).slice(0, 4), '981e', 'a batch of 30 has a 1-byte count');
  t.equal(decodeReadingPayload(batch).length, 30);
  nonCanonical('batch of 30 with a 2-byte count', `99001e${toHex(batch).slice(4)}`);
  t.ok(Object.isFrozen(decodeReadingPayload(bytes)[0]), 'decoded readings are frozen');
});

t.test('an invalid field in canonical bytes gets the same error as before, after the whole payload is read', async (t) => {
  const good = encodeReading(reading());
  const bad = encodeCbor([1, fromHex(meterId), 1, 1801, 1800, 0, 5, 0, 1, ZERO_HASH]);
  t.throws(() => decodeReadingPayload(bad), { code: 'BAD_READING', message: /intervalStart/ });
  t.throws(() => decodeReadingPayload(encodeCbor([decodeCbor(bad), decodeCbor(good)]).subarray(0, -1)), { code: 'BAD_CBOR' }, 'a truncated entry after an invalid one: malformed first');
  t.throws(() => decodeReadingPayload(encodeCbor([2, fromHex(meterId), 1, 0, 1800, 0, 5, 0, 1, ZERO_HASH])), { code: 'BAD_READING', message: /version/ });
  t.throws(() => decodeReadingPayload(encodeCbor([1, new Uint8Array(7), 1, 0, 1800, 0, 5, 0, 1, ZERO_HASH])), { code: 'BAD_READING', message: /meterId/ });
  t.throws(() => decodeReadingPayload(encodeCbor([1, fromHex(meterId), 1, 0, 1800, 0, 5, 0, 1, new Uint8Array(31)])), { code: 'BAD_READING', message: /prevHash/ });
});

t.test('batches must be one meter, ascending seq', async (t) => {
  const a = reading({ seq: 2 });
  const b = reading({ seq: 1, intervalStart: a.intervalStart + 1800 });
  t.throws(() => decodeReadingPayload(encodeReadingBatch([a, b])), { code: 'BAD_READING', message: /ascending/ });
  const other = reading({ seq: 3, meterId: '00000000000000ff' });
  t.throws(() => decodeReadingPayload(encodeReadingBatch([a, other])), { code: 'BAD_READING', message: /meter/ });
});

t.test('kid must match the meter id, and the key must derive the meter id', async (t) => {
  const other = nobleEd25519.signer(new Uint8Array(32).fill(9));
  const forged = signReadings(reading(), other); // kid = meter id of the reading, key of someone else
  const decoded = decodeSignedReadings(forged);
  t.throws(() => verifySignedReadings(decoded, signer.publicKey, nodeEd25519), { code: 'BAD_SIGNATURE' });
  t.throws(() => verifySignedReadings(decoded, other.publicKey, nodeEd25519), { code: 'BAD_READING' });
});

t.test('alignIntervalStart aligns to UTC multiples', async (t) => {
  t.equal(alignIntervalStart(1_790_000_123, 1800), 1_789_999_200);
  t.equal(alignIntervalStart(1800, 1800), 1800);
  t.equal(alignIntervalStart(-1, 900), -900);
});

t.test('production methods: frozen table with categories', async (t) => {
  t.equal(PRODUCTION_METHODS.length, 11);
  t.ok(Object.isFrozen(PRODUCTION_METHODS) && Object.isFrozen(PRODUCTION_METHODS[0]));
  t.ok(isRenewable(productionMethodByName('solar')!.code));
  t.notOk(isRenewable(productionMethodByName('oil')!.code));
  t.notOk(isRenewable(productionMethodByName('nuclear')!.code));
  t.notOk(isRenewable(0));
});

t.test('garbage into the reading decoders yields only typed errors', async (t) => {
  const signed = signReadings(reading(), signer);
  assertGarbageSafe(decodeSignedReadings, signed);
  assertGarbageSafe(decodeReadingPayload, encodeReading(reading()));
  t.equal(ReadingFlag.GATEWAY_ATTESTED, 32);
});
