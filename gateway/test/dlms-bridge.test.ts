/**
 * The DLMS bridge inside the real gateway (issue #6 item 2): a `dlms` config section, the
 * project's meter simulator over TCP (HDLC, HLS-GMAC, ciphered), the gateway's own key, the
 * pipeline and the forwarder to a recording ledger; cursors in the journal database across
 * restarts, including the states a crash leaves behind.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { chainLinks, decodeSignedReadings, fromHex, meterIdFromPublicKey, partyIdFromPublicKey, ReadingFlag, toHex, verifySign1 } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { INVOCATION_COUNTER_RESERVE, type DlmsCursorRow } from '../src/dlms/sqlite-cursor-store.js';
import { startTcpMeterSimulator } from '../src/dlms/simulator/tcp-simulator.js';
import { startGateway } from '../src/gateway.js';
import { makeFixture, memoryLogger } from './helpers/fixture.js';
import { RecordingLedger, type LedgerMeter } from './helpers/recording-ledger.js';

const START = 1719792000; // 2024-07-01T00:00:00Z
const KEYS = { encryptionKey: '000102030405060708090a0b0c0d0e0f', authenticationKey: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf' };
const LEGACY = '4c45474143590001';

t.test('the running gateway polls its DLMS meters, journals and forwards attested readings, and resumes after restarts and crashes', async (t) => {
  let now = START + 86400 + 60;
  const sim = await startTcpMeterSimulator({ framing: 'hdlc', meter: { now: () => now, profileStart: START - 3600, keys: { encryptionKey: fromHex(KEYS.encryptionKey), authenticationKey: fromHex(KEYS.authenticationKey) } } });
  t.teardown(() => sim.close());
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  const fixture = makeFixture(ledger, {
    dlms: {
      pollIntervalS: 900,
      graceS: 60,
      meters: [{
        name: 'feeder-7', meterId: LEGACY, tcp: { host: sim.host, port: sim.port }, client: 48, backfillS: 6 * 3600,
        association: { authentication: 'hls-gmac', security: { systemTitle: '4d4d4d0000000001', ...KEYS } },
      }],
    },
  });
  t.teardown(() => fixture.cleanup());
  const gatewayPublic = nodeEd25519.publicKeyOf(fromHex(fixture.gatewayKey));
  const gatewayId = partyIdFromPublicKey(gatewayPublic);
  ledger.meters.push({ id: LEGACY, publicKey: toHex(gatewayPublic), attestedBy: gatewayId, role: 'consumer', intermediary: fixture.intermediaryId, productionMethod: 0, ratedPowerW: 5_000 } as LedgerMeter);
  const start = () => startGateway(fixture.config, { logger: memoryLogger().logger, now: () => now * 1000 });
  const journalFile = join(fixture.config.dataDir, 'journal.sqlite');
  const cursorRow = (): DlmsCursorRow => {
    const db = new Database(journalFile);
    try {
      return db.prepare('SELECT * FROM dlms_cursors WHERE meter = ?').get('feeder-7') as DlmsCursorRow;
    } finally {
      db.close();
    }
  };
  const checkLedgerChain = (count: number, label: string): void => {
    const applied = [...ledger.readings.values()].filter((r) => r.reading.meterId === LEGACY).sort((a, b) => a.reading.seq - b.reading.seq);
    t.same(applied.map((r) => r.reading.seq), Array.from({ length: count }, (_, i) => i), `${label}: seqs 0..${count - 1} on the ledger, each once`);
    t.ok(applied.every((r, i) => i === 0 || chainLinks(applied[i - 1]!.reading, r.reading)), `${label}: one unbroken chain`);
    t.equal(ledger.replays + ledger.chainBreaks + ledger.duplicateTxs, 0, `${label}: no replay, chain break or repeated transaction reached the ledger`);
  };

  // First run: six hours of backfill.
  let gateway = await start();
  t.ok(gateway.dlms, 'the bridge runs when the config has a dlms section');
  const [first] = await gateway.dlms!.pollAll();
  t.equal(first?.error, undefined, 'first poll succeeded');
  t.equal(first?.readings, 24, 'six hours of 15-min intervals');
  await gateway.flush();
  checkLedgerChain(24, 'first run');
  const applied = [...ledger.readings.values()].filter((r) => r.reading.meterId === LEGACY);
  t.ok(applied.every((r) => r.type === 'record-usage' && (r.reading.flags & ReadingFlag.GATEWAY_ATTESTED) !== 0), 'forwarded as record-usage, flagged gateway-attested');
  const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  t.match(metrics, /wattledger_gateway_dlms_polls_total\{meter="feeder-7",result="ok"\} 1\n/, 'poll counter');
  t.match(metrics, /wattledger_gateway_dlms_readings_total\{meter="feeder-7"\} 24\n/, 'readings counter');
  t.match(metrics, /wattledger_gateway_dlms_batches_total\{meter="feeder-7",outcome="journaled"\} 1\n/, 'batch outcome counter');
  await gateway.close();
  const afterFirst = cursorRow();
  t.equal(afterFirst.seq, 23, 'the cursor is on disk after a clean stop');
  t.equal(afterFirst.counter_floor, null, 'a finished poll leaves no reserved counters');

  // Clean restart: the chain continues, the meter accepts the next association.
  now += 1800;
  gateway = await start();
  const [second] = await gateway.dlms!.pollAll();
  t.equal(second?.error, undefined, `poll after a restart succeeded ${second?.error?.message ?? ''}`);
  t.equal(second?.readings, 2);
  await gateway.flush();
  checkLedgerChain(26, 'after a restart');
  await gateway.close();
  const beforeCrash = cursorRow();

  // Crash between the journal commit and the cursor save, in the middle of the association:
  // the readings are journaled (and forwarded) but the cursor and the counter are the old ones,
  // with the counters the lost session could use reserved.
  now += 2700;
  gateway = await start();
  const [third] = await gateway.dlms!.pollAll();
  t.equal(third?.readings, 3);
  await gateway.flush();
  await gateway.close();
  checkLedgerChain(29, 'before the crash');
  const used = sim.meter.lastClientInvocationCounter;
  t.ok(used >= beforeCrash.invocation_counter!, `the lost session used counters up to ${used}, from ${beforeCrash.invocation_counter}: reusing them would be refused`);
  {
    const db = new Database(journalFile);
    db.prepare('UPDATE dlms_cursors SET last_captured = ?, import_wh = ?, export_wh = ?, seq = ?, prev_hash = ?, invocation_counter = ?, counter_floor = ? WHERE meter = ?').run(
      beforeCrash.last_captured, beforeCrash.import_wh, beforeCrash.export_wh, beforeCrash.seq, beforeCrash.prev_hash, beforeCrash.invocation_counter,
      beforeCrash.invocation_counter! + INVOCATION_COUNTER_RESERVE, 'feeder-7',
    );
    db.close();
  }
  now += 900;
  gateway = await start();
  const [fourth] = await gateway.dlms!.pollAll();
  t.equal(fourth?.error, undefined, `the meter accepts the association after the crash ${fourth?.error?.message ?? ''}`);
  t.equal(fourth?.readings, 4, 'the three journaled readings are read again, plus the new one');
  await gateway.flush();
  checkLedgerChain(30, 'after the crash');
  const outcomes = (await (await fetch(`${gateway.httpUrl}/metrics`)).text()).match(/wattledger_gateway_dlms_readings_total\{meter="feeder-7"\} (\d+)/);
  t.equal(outcomes?.[1], '1', 'only the new reading counts as handed over in this run');
  await gateway.close();
  t.equal(cursorRow().seq, 29, 'the cursor caught up');

  // What was forwarded names the legacy meter and verifies under the gateway's key (and no meter key).
  const db = new Database(journalFile, { readonly: true });
  const coses = db.prepare('SELECT cose FROM messages WHERE meter_id = ? ORDER BY id').pluck().all(LEGACY) as Buffer[];
  db.close();
  t.equal(coses.length, 4, 'one journal message per handed-over batch');
  for (const cose of coses) {
    const signed = decodeSignedReadings(new Uint8Array(cose));
    t.equal(signed.meterId, LEGACY);
    verifySign1(signed.sign1, gatewayPublic, nodeEd25519);
  }
  t.pass('every batch verifies under the gateway key');
});

t.test('a DLMS meter not registered as attested by this gateway is refused with a named reason', async (t) => {
  let now = START + 86400 + 60;
  const sim = await startTcpMeterSimulator({ framing: 'hdlc', meter: { now: () => now, profileStart: START - 3600 } });
  t.teardown(() => sim.close());
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  // Registered with a key of its own (a normal meter), so attested readings are not its readings.
  const own = nodeEd25519.signer(new Uint8Array(32).fill(3));
  const meterId = meterIdFromPublicKey(own.publicKey);
  const fixture = makeFixture(ledger, { dlms: { meters: [{ name: 'plain', meterId, tcp: { host: sim.host, port: sim.port }, client: 16, backfillS: 3600 }] } });
  t.teardown(() => fixture.cleanup());
  ledger.meters.push({ id: meterId, publicKey: toHex(own.publicKey), role: 'consumer', intermediary: fixture.intermediaryId, productionMethod: 0, ratedPowerW: 5_000 } as LedgerMeter);
  const { logger, lines } = memoryLogger();
  const gateway = await startGateway(fixture.config, { logger, now: () => now * 1000 });
  t.teardown(() => gateway.close());
  t.ok(lines.some((l) => String(l['msg']).includes('registered without attestedBy')), 'warned at start');
  const [result] = await gateway.dlms!.pollAll();
  t.match(result?.error, { reason: 'attestation_mismatch' }, 'refused as attestation_mismatch');
  await gateway.flush();
  t.equal(ledger.submitted.length, 0, 'nothing forwarded');
  now += 900;
  t.equal(gateway.dlms!.cursors.peek('plain')?.seq ?? -1, -1, 'the cursor did not move: the refused readings are read again next time');
  const [again] = await gateway.dlms!.pollAll();
  t.match(again?.error, { reason: 'attestation_mismatch' });
  const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  t.match(metrics, /wattledger_gateway_dlms_polls_total\{meter="plain",result="error"\} 2\n/);
});
