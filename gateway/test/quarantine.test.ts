/**
 * Implausible-but-signed readings (issue #5): the gateway journals and acknowledges them and
 * forwards them like any other, so the ledger (which applies the same rule and records them as
 * quarantined) sees the meter's whole chain; the next reading links instead of being refused
 * as CHAIN_BROKEN forever. They never count as accepted, and they survive a restart.
 */
import t from 'tap';
import { decodeSignedReadings, ReadingFlag } from '@wattledger/protocol';
import { startGateway } from '../src/gateway.js';
import { makeFixture, memoryLogger } from './helpers/fixture.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter } from './helpers/test-meter.js';

t.test('quarantined readings are acknowledged, forwarded in chain order, and never counted as accepted', async (t) => {
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  const fixture = makeFixture(ledger);
  t.teardown(() => fixture.cleanup());
  const meter = new TestMeter({ role: 'producer', productionMethod: 1, ratedPowerW: 5000 }).register(ledger, fixture.intermediaryId);
  let gateway = await startGateway(fixture.config, { logger: memoryLogger().logger });
  meter.password = gateway.issueCredential(meter.id);
  await meter.connect(gateway.brokerUrl);

  const sent: Uint8Array[] = [];
  const publish = async (cose: Uint8Array): Promise<void> => {
    sent.push(cose);
    await meter.publish(cose);
    await meter.waitForAck(decodeSignedReadings(cose).readings.at(-1)!.seq);
  };
  await publish(meter.next());
  await publish(meter.next({ exportedWh: 2501 })); // 5 kW x 30 min = 2500 Wh
  await publish(meter.next({ productionMethod: 9 }));
  await publish(meter.next({ flags: ReadingFlag.GATEWAY_ATTESTED }));
  t.pass('every reading acknowledged, the quarantined ones included');

  // The ledger is down while the next reading arrives; the gateway restarts before it is back.
  ledger.failNext = 1_000_000;
  await publish(meter.next());
  await meter.disconnect();
  const stats = gateway.stats();
  t.equal(stats.readingsAccepted, 2, 'only the plausible readings count as accepted');
  t.same([stats.rejected['implausible_energy'], stats.rejected['wrong_method'], stats.rejected['bad_flags']], [1, 1, 1], 'each quarantine reason counted');
  await gateway.close();
  ledger.failNext = 0;
  gateway = await startGateway(fixture.config, { logger: memoryLogger().logger });
  t.teardown(() => gateway.close());
  await gateway.flush();

  t.same(ledger.submitted, [0, 1, 2, 3, 4].map((seq) => `${meter.id}/${seq}`), 'all five forwarded, in chain order');
  t.same(ledger.seqsOf(meter.id), [0, 1, 2, 3, 4], 'the ledger took the whole chain');
  t.equal(ledger.chainBreaks, 0, 'no CHAIN_BROKEN after the quarantined readings');
  const forwarded = [...ledger.readings.values()].filter((r) => r.reading.meterId === meter.id).sort((a, b) => a.reading.seq - b.reading.seq);
  t.same(forwarded.map((r) => r.reading), sent.map((cose) => decodeSignedReadings(cose).readings[0]), 'forwarded exactly as the meter signed them');
});
