/**
 * WL_GENERAL_DECODERS (src/decode-options.ts): with the canonical fast paths switched off, as
 * in the firmware's device bundle, decodeSign1, decodeReadingPayload and decodeTx give the
 * same results and refuse the same inputs (what a fast path would have read, the general path
 * reads alike; the rest never went through a fast path).
 */
import t from 'tap';
import fc from 'fast-check';
import { decodeReadingPayload, decodeSign1, decodeSignedReadings, decodeTx, nobleEd25519, READING_VERSION, signReadings, signTx, TxType, ZERO_HASH, readingHash, meterIdFromPublicKey, type IntervalReading } from '../src/index.js';

const signer = nobleEd25519.signer(new Uint8Array(32).fill(7));
const meterId = meterIdFromPublicKey(signer.publicKey);

function readings(count: number, wh: number): IntervalReading[] {
  const out: IntervalReading[] = [];
  let prevHash = ZERO_HASH;
  for (let seq = 0; seq < count; seq++) {
    const reading: IntervalReading = { version: READING_VERSION, meterId, seq, intervalStart: 1_800_000_000 + 1800 * seq, intervalLength: 1800, importedWh: seq, exportedWh: wh + seq, flags: 0, productionMethod: 1, prevHash };
    prevHash = readingHash(reading);
    out.push(reading);
  }
  return out;
}

const hex = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'));

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? hex(v) : v instanceof Map ? [...v] : v)));
}

/** Everything a caller can read of a Sign1 (the fast path's is a class with getters). */
function sign1View(bytes: Uint8Array): unknown {
  const s = decodeSign1(bytes);
  return plain({ protectedBytes: s.protectedBytes, protectedHeader: s.protectedHeader, unprotectedHeader: s.unprotectedHeader, kid: s.kid, payload: s.payload, signature: s.signature });
}

function txView(bytes: Uint8Array): unknown {
  const d = decodeTx(bytes);
  return plain({ id: d.id, signerId: d.signerId, type: d.type, nonce: d.nonce, body: d.body, bytes: d.bytes });
}

const readingsView = (bytes: Uint8Array): unknown => plain(decodeReadingPayload(decodeSign1(bytes).payload));
const signedView = (bytes: Uint8Array): unknown => plain(decodeSignedReadings(bytes).readings);

/** The outcome of a decode: its value, or its error's class and message. */
function outcome(decode: () => unknown): unknown {
  try {
    return { value: decode() };
  } catch (error) {
    return { error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** [fast paths on, general decoders only]. */
function both(decode: () => unknown): [unknown, unknown] {
  const fast = outcome(decode);
  globalThis.WL_GENERAL_DECODERS = true;
  try {
    return [fast, outcome(decode)];
  } finally {
    delete (globalThis as { WL_GENERAL_DECODERS?: true }).WL_GENERAL_DECODERS;
  }
}

const messages = [
  signReadings(readings(1, 900)[0]!, signer),
  signReadings(readings(48, 70_000), signer),
  signTx({ type: TxType.ISSUE_ASSET, nonce: 7, body: { readings: signReadings(readings(2, 5), signer) } }, signer, signer.publicKey.subarray(0, 8)),
];
const views = [sign1View, txView, readingsView, signedView];

t.test('the same values and refusals from the general decoders, valid and mutated messages', async (t) => {
  for (const [i, bytes] of messages.entries()) {
    for (const view of views) {
      const [fast, general] = both(() => view(bytes));
      t.same(general, fast, `message ${i}, ${view.name}`);
    }
  }
  t.ok('value' in (both(() => txView(messages[2]!))[1] as object), 'a transaction decodes on the general path');
  const [fastKind, generalKind] = both(() => Object.getPrototypeOf(decodeSign1(messages[0]!)) === Object.prototype);
  t.same([fastKind, generalKind], [{ value: false }, { value: true }], 'the switch takes the fast path out (its Sign1 is a class, the general one a plain object)');
  fc.assert(fc.property(fc.constantFrom(...messages), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, xor) => {
    const mutated = bytes.slice();
    mutated[at % mutated.length]! ^= xor;
    return views.every((view) => {
      const [fast, general] = both(() => view(mutated));
      return JSON.stringify(fast) === JSON.stringify(general);
    });
  }), { numRuns: 1500, seed: 21 });
  t.equal(globalThis.WL_GENERAL_DECODERS, undefined, 'switched back on');
});
