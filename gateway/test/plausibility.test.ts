/** Plausibility (DESIGN §6): rated power x interval, registered method, flags, not from the future. */
import t from 'tap';
import { ReadingFlag, READING_VERSION, ZERO_HASH, type IntervalReading } from '@wattledger/protocol';
import { checkNotFuture, checkPlausible } from '../src/pipeline/plausibility.js';

const reading = (over: Partial<IntervalReading> = {}): IntervalReading => ({
  version: READING_VERSION, meterId: '0123456789abcdef', seq: 1, intervalStart: 1_700_006_400, intervalLength: 1800,
  importedWh: 0, exportedWh: 2500, flags: 0, productionMethod: 1, prevHash: ZERO_HASH, ...over,
});
const producer = { role: 'producer' as const, productionMethod: 1, ratedPowerW: 5000 };

t.test('energy within rated power x interval', async (t) => {
  t.equal(checkPlausible(reading({ exportedWh: 2500 }), producer), undefined, '5 kW x 30 min = 2500 Wh exactly');
  t.match(checkPlausible(reading({ exportedWh: 2501 }), producer), { reason: 'implausible_energy' });
  t.match(checkPlausible(reading({ importedWh: 2501, exportedWh: 0 }), producer), { reason: 'implausible_energy' }, 'imports are bounded too');
  t.equal(checkPlausible(reading({ exportedWh: 4_000_000 }), { ...producer, ratedPowerW: 0 }), undefined, 'rated power 0: no bound, as on the ledger');
  t.equal(checkPlausible(reading({ intervalLength: 900, intervalStart: 1_700_006_400, exportedWh: 1250 }), producer), undefined, '15-min interval bound is half');
  t.match(checkPlausible(reading({ intervalLength: 900, exportedWh: 1251 }), producer), { reason: 'implausible_energy' });
});

t.test('production method and flags', async (t) => {
  t.match(checkPlausible(reading({ productionMethod: 9 }), producer), { reason: 'wrong_method' });
  const consumer = { role: 'consumer' as const, productionMethod: 0, ratedPowerW: 5000 };
  t.equal(checkPlausible(reading({ productionMethod: 0, exportedWh: 0, importedWh: 300 }), consumer), undefined);
  t.match(checkPlausible(reading({ productionMethod: 1, exportedWh: 0 }), consumer), { reason: 'wrong_method' }, 'a consumer reading carries method 0');
  t.match(checkPlausible(reading({ flags: ReadingFlag.GATEWAY_ATTESTED }), producer), { reason: 'bad_flags' }, 'meters may not claim gateway attestation');
  t.equal(checkPlausible(reading({ flags: ReadingFlag.GATEWAY_ATTESTED }), producer, true), undefined, 'DLMS readings made by the gateway');
  t.match(checkPlausible(reading(), producer, true), { reason: 'bad_flags' }, 'gateway-made readings must carry the flag');
  t.equal(checkPlausible(reading({ flags: ReadingFlag.POWER_LOSS | ReadingFlag.ESTIMATED }), producer), undefined);
});

t.test('not from the future: a reading is made at its interval end, with clock skew allowed', async (t) => {
  const end = 1_700_006_400 + 1800;
  t.equal(checkNotFuture(reading(), end, 0), undefined, 'at the end');
  t.match(checkNotFuture(reading(), end - 1, 0), { reason: 'future_interval' }, 'one second early');
  t.equal(checkNotFuture(reading(), end - 300, 300), undefined, 'within the skew');
  t.match(checkNotFuture(reading(), end - 301, 300), { reason: 'future_interval' });
});
