/**
 * The DLMS bridge's handoff: the real poller reads a simulated legacy meter over TCP (HDLC),
 * signs gateway-attested batches with the gateway's key, and `gateway.submitAttested` journals
 * them (resolving only once durable) and forwards them like any meter's readings.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { meterIdFromPublicKey, partyIdFromPublicKey, ReadingFlag, signReadings, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { createDlmsPoller, memoryCursorStore } from '../src/dlms/poller.js';
import { startTcpMeterSimulator } from '../src/dlms/simulator/tcp-simulator.js';
import { ReadingRefusedError } from '../src/errors.js';
import { startGateway } from '../src/gateway.js';
import { makeFixture, memoryLogger } from './helpers/fixture.js';
import { RecordingLedger, type LedgerMeter } from './helpers/recording-ledger.js';

const START = 1719792000; // 2024-07-01T00:00:00Z

t.test('DLMS poller -> submitAttested -> journal -> ledger', async (t) => {
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  const fixture = makeFixture(ledger);
  t.teardown(() => fixture.cleanup());
  // The legacy meter's id, as registered on the ledger for it: attested by this gateway, whose key its readings verify under.
  const registered = nodeEd25519.signer(randomBytes(32));
  const meterId = meterIdFromPublicKey(registered.publicKey);
  const gatewayPublic = nodeEd25519.publicKeyOf(Buffer.from(fixture.gatewayKey, 'hex'));
  ledger.meters.push({ id: meterId, publicKey: toHex(gatewayPublic), attestedBy: partyIdFromPublicKey(gatewayPublic), role: 'consumer', intermediary: fixture.intermediaryId, productionMethod: 0, ratedPowerW: 20_000 } as LedgerMeter);
  let now = START + 86400 + 60;
  const gateway = await startGateway(fixture.config, { logger: memoryLogger().logger, now: () => now * 1000 });
  t.teardown(() => gateway.close());
  const sim = await startTcpMeterSimulator({ framing: 'hdlc', meter: { now: () => now, profileStart: START - 3600 } });
  t.teardown(() => sim.close());

  const outcomes: string[] = [];
  const gatewaySigner = nodeEd25519.signer(Buffer.from(fixture.gatewayKey, 'hex'));
  const poller = createDlmsPoller({
    meters: [{ name: 'legacy', meterId, tcp: { host: sim.host, port: sim.port }, client: 16, backfillS: 86400 }],
    sign: gatewaySigner,
    cursors: memoryCursorStore(),
    now: () => now,
    onReading: async (batch) => void outcomes.push(await gateway.submitAttested(batch.meterId, batch.signed)),
  });
  const [first] = await poller.pollAll();
  t.equal(first?.error, undefined, 'poll succeeded');
  t.same(outcomes, ['journaled'], 'the batch was durable before the poller moved its cursor');
  now += 1800;
  await poller.pollAll();
  t.same(outcomes, ['journaled', 'journaled'], 'the next batch chains on');
  await gateway.flush();
  t.equal(ledger.seqsOf(meterId).length, first!.readings + 2, 'every attested reading reached the ledger as record-usage');
  t.ok([...ledger.readings.values()].every((r) => r.type === 'record-usage' && (r.reading.flags & ReadingFlag.GATEWAY_ATTESTED) !== 0));

  // A batch not signed by the gateway is refused with its reason.
  const forged = signReadings({ ...[...ledger.readings.values()][0]!.reading, seq: 10_000 }, registered);
  const refused = await gateway.submitAttested(meterId, forged).then(
    () => undefined,
    (error: unknown) => error,
  );
  t.type(refused, ReadingRefusedError);
  t.equal((refused as ReadingRefusedError).reason, 'bad_signature', 'named reason');
});
