import t from 'tap';
import {
  chainLinks, decodeSignedReadings, fromHex, meterIdFromPublicKey, ReadingFlag, verifySign1, ZERO_HASH, equalBytes, type IntervalReading,
} from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { createDlmsPoller, memoryCursorStore, type DlmsMeterConfig, type DlmsReadingBatch } from '../src/dlms/poller.js';
import { intervalEnergy } from '../src/dlms/simulator/meter-model.js';
import { startTcpMeterSimulator } from '../src/dlms/simulator/tcp-simulator.js';

const START = 1719792000; // 2024-07-01T00:00:00Z
const KEYS = { encryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'), authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf') };
const gateway = nodeEd25519.signer(new Uint8Array(32).fill(9));

t.test('the poller turns load-profile entries into signed, chained, gateway-attested readings', async (t) => {
  let now = START + 86400 + 60;
  const sim = await startTcpMeterSimulator({ framing: 'hdlc', meter: { now: () => now, profileStart: START - 3600, keys: KEYS } });
  t.teardown(() => sim.close());
  const meters: DlmsMeterConfig[] = [
    { name: 'plain', meterId: '00000000000000a1', tcp: { host: sim.host, port: sim.port }, client: 16, backfillS: 86400 },
    { name: 'hls', meterId: '00000000000000a2', tcp: { host: sim.host, port: sim.port }, client: 48, backfillS: 3600, association: { authentication: 'hls-gmac', security: { systemTitle: fromHex('4d4d4d0000000001'), keys: KEYS, invocationCounter: 1 } } },
  ];
  const batches: DlmsReadingBatch[] = [];
  const cursors = memoryCursorStore();
  let failNext = false;
  const poller = createDlmsPoller({
    meters,
    sign: gateway,
    cursors,
    now: () => now,
    onReading: (batch) => {
      if (failNext) {
        failNext = false;
        throw new Error('pipeline unavailable');
      }
      batches.push(batch);
    },
  });

  const first = await poller.pollAll();
  t.same(first.map((r) => [r.meter, r.readings, r.skipped, r.error]), [['plain', 96, 0, undefined], ['hls', 4, 0, undefined]]);
  const plain = batches.find((b) => b.meter === 'plain')!;
  t.equal(plain.meterId, '00000000000000a1');
  const readings = plain.readings;
  t.equal(readings[0]!.intervalStart, START, 'the day starts at the first interval after the backfill base');
  readings.forEach((r: IntervalReading, i) => {
    const e = intervalEnergy((START + i * 900) / 900, 900);
    if (r.importedWh !== e.importWh || r.exportedWh !== e.exportWh || r.intervalLength !== 900 || r.seq !== i || r.flags !== ReadingFlag.GATEWAY_ATTESTED) {
      t.fail(`reading ${i} does not match the meter's interval energy`);
    }
  });
  t.ok(equalBytes(readings[0]!.prevHash, ZERO_HASH), 'the chain starts at zero');
  t.ok(readings.every((r, i) => i === 0 || chainLinks(readings[i - 1]!, r)), 'each reading links to the previous one');

  const signed = decodeSignedReadings(plain.signed);
  t.equal(signed.readings.length, 96, 'one COSE_Sign1 for the batch');
  verifySign1(signed.sign1, gateway.publicKey, nodeEd25519);
  t.pass('signed with the gateway key');
  t.not(meterIdFromPublicKey(gateway.publicKey), plain.meterId, 'the reading names the legacy meter, not the gateway');

  now += 1800;
  const second = await poller.pollAll();
  t.same(second.map((r) => r.readings), [2, 2], 'two new intervals each');
  const next = batches.filter((b) => b.meter === 'plain')[1]!.readings;
  t.same(next.map((r) => r.seq), [96, 97]);
  t.ok(chainLinks(readings.at(-1)!, next[0]!), 'the chain continues across polls');
  const hlsCursor = cursors.cursors.get('hls')!;
  t.ok(hlsCursor.invocationCounter! > 4, `the invocation counter is kept between polls (${hlsCursor.invocationCounter})`);

  now += 900;
  failNext = true;
  const counterBefore = cursors.cursors.get('hls')!.invocationCounter!;
  const failedHls = await poller.pollMeter('hls');
  t.match(failedHls.error, { message: 'pipeline unavailable' });
  t.ok(cursors.cursors.get('hls')!.invocationCounter! > counterBefore, 'a failed handoff still advances the invocation counter');
  t.equal(cursors.cursors.get('hls')!.seq, 5, 'but not the position');
  t.equal((await poller.pollMeter('hls')).readings, 1, 'the meter accepts the next association');
  failNext = true;
  const failed = await poller.pollMeter('plain');
  t.match(failed.error, { message: 'pipeline unavailable' });
  const retried = await poller.pollMeter('plain');
  t.equal(retried.readings, 1);
  t.same(batches.at(-1)!.readings.map((r) => r.seq), [98], 'the failed handoff is re-read with the same sequence number');
});

t.test('an unreachable meter is reported, not thrown', async (t) => {
  const errors: string[] = [];
  const poller = createDlmsPoller({
    meters: [{ name: 'gone', meterId: '00000000000000b1', tcp: { host: '127.0.0.1', port: 1 }, client: 16 }],
    sign: gateway,
    onReading: () => void t.fail('no readings expected'),
    onError: (m, e) => errors.push(`${m}: ${(e as { code?: string }).code}`),
  });
  const [result] = await poller.pollAll();
  t.match(result, { meter: 'gone', readings: 0, error: { layer: 'TRANSPORT' } });
  t.same(errors, ['gone: DLMS_TRANSPORT_CONNECT']);
  t.throws(() => createDlmsPoller({ meters: [{ name: 'x', meterId: 'nope', client: 16 }], sign: gateway, onReading: () => undefined }), TypeError);
});
