/** Provisioning file (core/provisioning.ts). */
import t from 'tap';
import { BadProvisioningError } from '../src/core/errors.js';
import { decodeProvisioning, encodeProvisioning, parseProvisioning } from '../src/core/provisioning.js';
import { provisioning } from './support/fixtures.js';

t.test('a producer and a consumer file parse, and survive the stored round trip', async (t) => {
  const producer = provisioning({ username: 'm1', password: 'secret', ratedPowerWatts: 5000 });
  t.equal(producer.productionMethod, 1);
  t.equal(producer.intervalLength, 1800);
  t.same(decodeProvisioning(encodeProvisioning(producer)), producer);
  const consumer = provisioning({ role: 'consumer', productionMethod: undefined, userId: 'household-7', intervalLength: undefined });
  t.equal(consumer.productionMethod, 0);
  t.equal(consumer.intervalLength, 1800, 'the interval defaults to 1800 s');
  t.same(decodeProvisioning(encodeProvisioning(consumer)), consumer);
  t.equal(provisioning({ productionMethod: 2 }).productionMethod, 2, 'a method may be given by code');
});

t.test('every invalid field is refused with a message naming it', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ role: 'prosumer' }, /role/],
    [{ productionMethod: 'steam' }, /productionMethod/],
    [{ role: 'consumer', productionMethod: 'solar' }, /no production method/],
    [{ intermediaryId: '' }, /intermediaryId/],
    [{ intermediaryPublicKey: 'abcd' }, /intermediaryPublicKey/],
    [{ brokerUrl: 'ftp://x' }, /brokerUrl/],
    [{ intervalLength: 1000 }, /intervalLength/],
    [{ password: 5 }, /password/],
    [{ ratedPowerWatts: -1 }, /ratedPowerWatts/],
  ];
  for (const [override, reason] of cases) t.throws(() => provisioning(override), { name: 'BadProvisioningError', code: 'BAD_PROVISIONING', message: reason });
  t.throws(() => parseProvisioning([]), BadProvisioningError);
  t.throws(() => decodeProvisioning(new TextEncoder().encode('{')), BadProvisioningError);
});
