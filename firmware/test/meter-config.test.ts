/** Signed config topic (core/meter-config.ts). */
import fc from 'fast-check';
import t from 'tap';
import { createSign1, encodeCbor, fromHex, intMap, nobleEd25519 } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { decodeSign1 } from '@wattledger/protocol';
import { encodeMeterConfig, signMeterConfig, verifyMeterConfig, type MeterConfig } from '../src/core/meter-config.js';
import { INTERMEDIARY } from './support/fixtures.js';

const METER = '0123456789abcdef';
const context = { intermediaryPublicKey: INTERMEDIARY.publicKey, verifier: nodeEd25519, meterId: METER, currentSerial: 3 };
const config: MeterConfig = { intervalLength: 900, brokerUrl: 'mqtt://gw.example:1883', serial: 4, meterId: METER };

t.test('a config signed by the intermediary verifies and decodes', async (t) => {
  const result = verifyMeterConfig(signMeterConfig(config, INTERMEDIARY), context);
  t.same(result, { ok: true, config });
  const { meterId: _, ...anyMeter } = config;
  t.same(verifyMeterConfig(signMeterConfig(anyMeter, INTERMEDIARY), context), { ok: true, config: anyMeter }, 'meterId is optional');
  t.equal(Buffer.from(decodeSign1(signMeterConfig(config, INTERMEDIARY)).payload).toString('hex'),
    'a4011903840276' + Buffer.from('mqtt://gw.example:1883').toString('hex') + '0304' + '0448' + METER, 'payload is the documented map {1,2,3,4}');
});

t.test('encode/verify round trip for any valid config', async (t) => {
  fc.assert(fc.property(
    fc.constantFrom(60, 300, 900, 1800, 3600, 86400), fc.integer({ min: 4, max: 0xffffffff }), fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    (intervalLength, serial, host, port) => {
      const c: MeterConfig = { intervalLength, serial, brokerUrl: `mqtts://${host}${port === undefined ? '' : `:${port}`}` };
      const r = verifyMeterConfig(signMeterConfig(c, INTERMEDIARY), context);
      return r.ok && r.config.intervalLength === c.intervalLength && r.config.serial === c.serial && r.config.brokerUrl === c.brokerUrl && r.config.meterId === undefined;
    }), { numRuns: 50 });
  t.pass();
});

t.test('rejected: wrong key, other meter, replayed serial, bad fields, garbage', async (t) => {
  const other = nobleEd25519.signer(fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
  const signedPayload = (entries: Array<[number, unknown]>): Uint8Array => createSign1({ payload: encodeCbor(intMap(entries)), signer: INTERMEDIARY });
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['signed by another key', signMeterConfig(config, other), /signature does not verify/],
    ['for another meter', signMeterConfig({ ...config, meterId: 'ffffffffffffffff' }, INTERMEDIARY), /for meter ffffffffffffffff/],
    ['an older serial', signMeterConfig({ ...config, serial: 3 }, INTERMEDIARY), /serial 3 is not newer/],
    ['interval not dividing a day', signedPayload([[1, 7], [2, 'mqtt://a'], [3, 9]]), /intervalLength/],
    ['a http URL', signedPayload([[1, 900], [2, 'http://a'], [3, 9]]), /brokerUrl/],
    ['a missing serial', signedPayload([[1, 900], [2, 'mqtt://a']]), /serial/],
    ['an unknown key', signedPayload([[1, 900], [2, 'mqtt://a'], [3, 9], [7, 1]]), /unknown config key/],
    ['keys out of order', signedPayload([[2, 'mqtt://a'], [1, 900], [3, 9]]), /canonical/],
    ['a text payload', createSign1({ payload: new TextEncoder().encode('interval=900'), signer: INTERMEDIARY }), /config payload|CBOR/],
    ['empty (retained config cleared)', new Uint8Array(0), /empty/],
    ['random bytes', fromHex('d28443a10126a0'), /config rejected/],
    ['too large', new Uint8Array(5000), /exceeds/],
  ];
  for (const [what, bytes, reason] of cases) {
    const r = verifyMeterConfig(bytes, context);
    t.equal(r.ok, false, what);
    if (!r.ok) t.match(r.reason, reason, what);
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => !verifyMeterConfig(bytes, context).ok));
  t.throws(() => encodeMeterConfig({ ...config, intervalLength: 1000 }), RangeError);
});
