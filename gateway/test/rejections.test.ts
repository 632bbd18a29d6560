/**
 * DESIGN §10 "every malformed input gets a clear error and a counter; no meter can publish as
 * another": each hostile or broken input is refused with its reason counted, while an honest
 * meter on the same gateway keeps getting its readings acknowledged and forwarded.
 */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { connect } from 'mqtt';
import { createSign1, encodeCbor, fromHex, MeterChannel, meterTopic, ReadingFlag, signReadings } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { startGateway } from '../src/gateway.js';
import { makeFixture, memoryLogger } from './helpers/fixture.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter, until } from './helpers/test-meter.js';

const MAX_PAYLOAD = 4096;

t.test('hostile and broken inputs are refused, counted, and do not disturb other meters', async (t) => {
  const ledger = await new RecordingLedger().start();
  const fixture = makeFixture(ledger, { mqtt: { maxPayloadBytes: MAX_PAYLOAD } });
  const honest = new TestMeter({ role: 'producer', ratedPowerW: 5000 }).register(ledger, fixture.intermediaryId);
  const rogue = new TestMeter({ role: 'producer', productionMethod: 2, ratedPowerW: 5000 }).register(ledger, fixture.intermediaryId);
  const stranger = new TestMeter(); // holds a credential but is not registered on the ledger
  const { logger, lines } = memoryLogger();
  const gateway = await startGateway(fixture.config, { logger });
  t.teardown(async () => {
    for (const m of [honest, rogue, stranger]) await m.disconnect().catch(() => undefined);
    await gateway.close();
    await ledger.close();
    fixture.cleanup();
  });
  for (const m of [honest, rogue, stranger]) m.password = gateway.issueCredential(m.id);
  await honest.connect(gateway.brokerUrl);
  await rogue.connect(gateway.brokerUrl);
  const rejected = (reason: string): number => gateway.stats().rejected[reason] ?? 0;
  /** The honest meter publishes one reading and must get it acknowledged. */
  const honestStep = async (): Promise<void> => {
    const seq = honest.seq;
    await honest.publish(honest.next());
    await honest.waitForAck(seq);
  };
  /** `meter` publishes `payload` on its own topic; `reason` must be counted once more, and the honest meter still served. */
  const refused = async (reason: string, payload: Uint8Array, meter = rogue): Promise<void> => {
    const before = rejected(reason);
    await meter.publish(payload);
    await until(() => rejected(reason) === before + 1, `${reason} counted`).catch((error: Error) => {
      t.comment(JSON.stringify(gateway.stats()));
      throw error;
    });
    t.equal(rejected(reason), before + 1, `${reason} counted`);
    await honestStep();
  };
  /** Crafts a reading from the rogue's chain without advancing it. */
  const crafted = (overrides: Parameters<TestMeter['nextReading']>[0] = {}, signer = rogue.signer): Uint8Array => {
    const saved = rogue.save();
    const cose = signReadings(rogue.nextReading(overrides), signer);
    rogue.restore(saved);
    return cose;
  };

  await rogue.publish(rogue.next());
  await rogue.waitForAck(0);
  await honestStep();

  // Authentication: a wrong credential, and a client id other than the username (which would otherwise kick the real meter off).
  const bad = new TestMeter();
  bad.password = 'not-the-credential';
  await t.rejects(bad.connect(gateway.brokerUrl), 'wrong credential refused at CONNECT');
  const impostor = connect(gateway.brokerUrl, { clientId: honest.id, username: rogue.id, password: rogue.password, reconnectPeriod: 0 });
  await new Promise<void>((resolve) => impostor.once('error', () => resolve()).once('close', () => resolve()));
  impostor.end(true);
  t.equal(rejected('auth_failed'), 2, 'auth_failed counted for both');
  await honestStep();

  // ACL: subscribing to another meter's acks is refused (SUBACK 0x80); publishing on its topic closes the connection.
  const refusedCode = (filter: string): Promise<number | undefined> =>
    rogue.client!.subscribeAsync(filter, { qos: 1 }).then(
      (granted) => granted[0]?.qos,
      (error: { packet?: { granted?: number[] } }) => error.packet?.granted?.[0],
    );
  t.equal(await refusedCode(meterTopic(honest.id, MeterChannel.ACK)), 128, 'subscription to another meter ack refused (0x80)');
  t.equal(await refusedCode('wl/v1/meters/+/ack'), 128, 'wildcard subscription refused (0x80)');
  const closed = new Promise<void>((resolve) => rogue.client!.once('close', () => resolve()));
  rogue.client!.publish(meterTopic(honest.id, MeterChannel.READINGS), Buffer.from(crafted()), { qos: 1 });
  await closed;
  t.equal(rejected('acl_denied'), 3, 'acl_denied counted (two subscriptions, one publish)');
  await rogue.disconnect();
  await rogue.connect(gateway.brokerUrl);
  await honestStep();

  // Malformed payloads.
  await refused('bad_cbor', randomBytes(100));
  await refused('bad_cbor', new Uint8Array([0x82, 0x01])); // truncated array
  await refused('bad_cose', encodeCbor(['not', 'a', 'cose', 'sign1']));
  const unaligned = createSign1({ payload: encodeCbor([1, fromHex(rogue.id), 1, 1_700_000_001, 1800, 0, 10, 0, 2, new Uint8Array(32)]), signer: rogue.signer, kid: fromHex(rogue.id) });
  await refused('bad_reading', unaligned);
  await refused('too_large', new Uint8Array(MAX_PAYLOAD + 1));

  // Identity and signature.
  await refused('topic_mismatch', crafted({ meterId: honest.id }, honest.signer)); // honest's own signed reading, replayed by the rogue
  await refused('bad_signature', crafted({}, nodeEd25519.signer(randomBytes(32))));
  await stranger.connect(gateway.brokerUrl);
  await refused('unknown_meter', stranger.next(), stranger);

  // Sequence and chain.
  const first = rogue.save();
  rogue.restore({ seq: 0, prevHash: new Uint8Array(32), intervalStart: first.intervalStart - rogue.intervalS });
  const replay = rogue.next();
  rogue.restore(first);
  const acksBefore = rogue.acks.length;
  await refused('duplicate', replay);
  await until(() => rogue.acks.length > acksBefore, 're-ack after a duplicate');
  t.equal(rogue.lastAck, 0, 'a duplicate is acknowledged again with the durable head');
  await refused('stale_seq', crafted({ seq: 0, exportedWh: 7 }));
  await refused('chain_broken', crafted({ prevHash: new Uint8Array(32).fill(1) }));
  await refused('chain_gap', crafted({ seq: rogue.seq + 3, prevHash: new Uint8Array(32).fill(2) }));

  // Plausibility: from the future is refused; implausible energy, wrong method and gateway-only flags are quarantined.
  await refused('future_interval', crafted({ intervalStart: rogue.intervalStart + 10 * 86_400 }));
  const quarantinedSeq = rogue.seq;
  await refused('implausible_energy', rogue.next({ exportedWh: 5000 })); // 5 kW x 30 min = 2500 Wh at most
  await refused('wrong_method', rogue.next({ productionMethod: 9 }));
  await refused('bad_flags', rogue.next({ flags: ReadingFlag.GATEWAY_ATTESTED }));
  await rogue.waitForAck(quarantinedSeq + 2);
  t.pass('quarantined readings are acknowledged: the chain continues past them');
  await rogue.publish(rogue.next());
  await rogue.waitForAck(quarantinedSeq + 3);

  // Oversized beyond the packet guard: the connection is closed before the broker buffers it.
  const cut = new Promise<void>((resolve) => rogue.client!.once('close', () => resolve()));
  const beforeLarge = rejected('too_large');
  rogue.client!.publish(meterTopic(rogue.id, MeterChannel.READINGS), Buffer.alloc(64 * 1024), { qos: 1 });
  await cut;
  await until(() => rejected('too_large') === beforeLarge + 1, 'oversized packet counted');
  await honestStep();

  await gateway.flush();
  const rogueSubmitted = ledger.submitted.filter((k) => k.startsWith(`${rogue.id}/`));
  const forwarded = [0, quarantinedSeq, quarantinedSeq + 1, quarantinedSeq + 2, quarantinedSeq + 3].map((seq) => `${rogue.id}/${seq}`);
  t.same(rogueSubmitted, forwarded, 'quarantined readings are forwarded too (the ledger quarantines them: chain advanced, no energy)');
  t.equal(ledger.chainBreaks, 0, 'so the reading after them links on the ledger');
  t.same(ledger.seqsOf(honest.id), Array.from({ length: honest.seq }, (_, i) => i), 'every honest reading reached the ledger');
  t.equal(ledger.seqsOf(stranger.id).length, 0);

  // Logged once per meter and reason (rate limited), with the reason named.
  const chainLogs = lines.filter((l) => l['reason'] === 'bad_cbor');
  t.equal(chainLogs.length, 1, 'two bad_cbor rejections of one meter logged once');
  t.equal(chainLogs[0]?.['meter'], rogue.id);
  const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  for (const reason of ['bad_cbor', 'bad_cose', 'bad_reading', 'too_large', 'topic_mismatch', 'bad_signature', 'unknown_meter', 'duplicate', 'stale_seq', 'chain_broken', 'chain_gap', 'future_interval', 'implausible_energy', 'wrong_method', 'bad_flags', 'acl_denied', 'auth_failed']) {
    t.match(metrics, new RegExp(`wattledger_gateway_rejected_total\\{reason="${reason}"\\} [1-9]`), `metric for ${reason}`);
  }
});
