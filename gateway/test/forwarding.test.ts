/**
 * Forwarding from the journal to the ledger (recording ledger, real SQLite): batches in journal
 * order, retries through an outage, idempotent resend after a restart, rejected transactions
 * kept; close-interval after the grace period; the registry synced from the ledger.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { pino } from 'pino';
import { partyIdFromPublicKey, readingHash, signReadings } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { Forwarder } from '../src/forward/forwarder.js';
import { IntervalCloser } from '../src/forward/interval-closer.js';
import { LedgerClient } from '../src/forward/ledger-client.js';
import { readingTx } from '../src/forward/ledger-tx.js';
import { Journal, type JournalEntry } from '../src/journal/journal.js';
import { createGatewayMetrics } from '../src/ops/gateway-metrics.js';
import { MeterRegistry } from '../src/registry/registry.js';
import { RegistrySync } from '../src/registry/registry-sync.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter } from './helpers/test-meter.js';

const logger = pino({ level: 'silent' });
const metrics = (): ReturnType<typeof createGatewayMetrics> =>
  createGatewayMetrics({ connectedMeters: () => 0, mqttClients: () => 0, journalPending: () => 0, ledgerLagReadings: () => 0, ledgerLagSeconds: () => 0, registryMeters: () => 0 });

async function setup(t: { teardown(fn: () => unknown): void }) {
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  const dir = mkdtempSync(join(tmpdir(), 'wl-forward-'));
  const journal = new Journal(dir);
  t.teardown(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const key = nodeEd25519.signer(randomBytes(32));
  const gateway = { signer: key, partyId: partyIdFromPublicKey(key.publicKey) };
  ledger.parties.set(gateway.partyId, key.publicKey);
  const meter = new TestMeter({ role: 'producer' }).register(ledger, gateway.partyId);
  const entries = (n: number): JournalEntry[] =>
    Array.from({ length: n }, () => {
      const reading = meter.nextReading();
      return {
        meterId: meter.id,
        role: 'producer',
        cose: signReadings(reading, meter.signer),
        readings: [{ seq: reading.seq, hash: readingHash(reading), intervalStart: reading.intervalStart, intervalLength: reading.intervalLength }],
        quarantined: false,
        receivedMs: Date.now(),
      };
    });
  const client = new LedgerClient(ledger.url, 2000);
  return { ledger, journal, gateway, meter, entries, client, dir };
}

t.test('forwards in batches, in order, through an outage; a restart resends idempotently', async (t) => {
  const { ledger, journal, gateway, meter, entries, client } = await setup(t);
  journal.append(entries(7));
  ledger.failNext = 2; // the first two requests meet an outage
  const forwarder = new Forwarder({ journal, recordForwarded: (o) => journal.recordForwarded(o), client, gateway, batchSize: 3, retryMaxMs: 20, metrics: metrics(), logger });
  forwarder.kick();
  await forwarder.idle();
  t.same(ledger.seqsOf(meter.id), [0, 1, 2, 3, 4, 5, 6], 'every reading on the ledger, in order');
  t.ok(ledger.requests >= 5, `retried after the outage (${ledger.requests} requests)`);
  t.same(journal.messageCounts().onLedger, 7);
  await forwarder.close();

  // A restart before the outcome was recorded: the same transactions are sent again, byte for byte.
  journal.db.prepare('UPDATE messages SET state = 0').run();
  const again = new Forwarder({ journal, recordForwarded: (o) => journal.recordForwarded(o), client, gateway, batchSize: 100, retryMaxMs: 20, metrics: metrics(), logger });
  again.kick();
  await again.idle();
  t.equal(ledger.duplicateTxs, 7, 'the ledger saw the same tx ids again and answered duplicate');
  t.equal(ledger.replays, 0);
  t.same(journal.messageCounts().onLedger, 7, 'duplicates count as on the ledger');
  await again.close();
  const pending = journal.pending(0, 1);
  t.equal(pending.length, 0);
  const first = journal.db.prepare('SELECT cose FROM messages WHERE id = 1').pluck().get() as Buffer;
  t.equal(readingTx('producer', new Uint8Array(first), 1, gateway).id, (journal.db.prepare('SELECT tx_id FROM messages WHERE id = 1').pluck().get() as string), 'tx id recorded is the deterministic one');
});

t.test('a batch retried through an outage is resent as built, not signed again', async (t) => {
  const { ledger, journal, gateway, meter, entries, client } = await setup(t);
  journal.append(entries(7));
  ledger.failNext = 3; // the first batch meets the outage three times
  let signatures = 0;
  const counting = { partyId: gateway.partyId, signer: { publicKey: gateway.signer.publicKey, sign: (message: Uint8Array) => (signatures++, gateway.signer.sign(message)) } };
  const forwarder = new Forwarder({ journal, recordForwarded: (o) => journal.recordForwarded(o), client, gateway: counting, batchSize: 3, retryMaxMs: 20, metrics: metrics(), logger });
  forwarder.kick();
  await forwarder.idle();
  await forwarder.close();
  t.same(ledger.seqsOf(meter.id), [0, 1, 2, 3, 4, 5, 6], 'every reading on the ledger, in order');
  t.ok(ledger.requests >= 6, `retried after the outage (${ledger.requests} requests)`);
  t.equal(signatures, 7, 'one signature per transaction, whatever the retries');
});

t.test('a transaction the ledger rejects is kept with its code and not retried', async (t) => {
  const { ledger, journal, gateway, entries, client } = await setup(t);
  journal.append(entries(2));
  ledger.parties.clear(); // the ledger no longer knows the gateway: UNKNOWN_SIGNER
  const m = metrics();
  const forwarder = new Forwarder({ journal, recordForwarded: (o) => journal.recordForwarded(o), client, gateway, batchSize: 10, retryMaxMs: 20, metrics: m, logger });
  forwarder.kick();
  await forwarder.idle();
  await forwarder.close();
  t.same(journal.messageCounts(), { pending: 0, onLedger: 0, quarantined: 0, ledgerRejected: 2 });
  t.equal(journal.db.prepare('SELECT ledger_code FROM messages WHERE id = 1').pluck().get(), 'UNKNOWN_SIGNER');
  t.equal(m.ledgerTx.get({ type: 'issue-asset', status: 'rejected' }), 2);
});

t.test('close-interval after the grace period, signed by the intermediary', async (t) => {
  const { ledger, journal, gateway, entries, client } = await setup(t);
  const [e0, e1] = entries(2);
  journal.append([e0!, e1!]);
  const start = e0!.readings[0]!.intervalStart;
  let nowS = start + 1800 + 299;
  const closer = new IntervalCloser({ journal, client, intermediary: gateway, graceS: 300, checkMs: 1000, now: () => nowS * 1000, metrics: metrics(), logger });
  await closer.check();
  t.same(ledger.closedIntervals, [], 'not before the grace period');
  nowS++;
  await closer.check();
  t.same(ledger.closedIntervals, [], 'not before its readings are on the ledger');
  journal.recordForwarded([{ id: 1, state: 1, txId: 'x' }, { id: 2, state: 1, txId: 'y' }]);
  await closer.check();
  t.same(ledger.closedIntervals, [start], 'closed once');
  nowS += 1800;
  await closer.check();
  await closer.check();
  t.same(ledger.closedIntervals, [start, start + 1800], 'each interval closed once');
  await closer.close();
});

t.test('registry sync: meters of this intermediary, problems skipped, failures keep the last registry', async (t) => {
  const { ledger, gateway, client } = await setup(t);
  ledger.meters.push({ id: 'zz', publicKey: 'bad', role: 'producer', intermediary: gateway.partyId, productionMethod: 1, ratedPowerW: 1 });
  new TestMeter().register(ledger, 'ffffffffffffffff'); // another intermediary's meter
  const registry = new MeterRegistry();
  let synced = 0;
  const sync = new RegistrySync({ client, registry, intermediaryId: gateway.partyId, intervalMs: 60_000, metrics: metrics(), logger, onSynced: () => synced++ });
  t.equal(await sync.sync(), true);
  t.equal(registry.size, 1, 'only the well-formed meter of this intermediary');
  t.equal(synced, 1);
  await ledger.close();
  t.equal(await sync.sync(), false, 'ledger down');
  t.equal(registry.size, 1, 'the last registry is kept');
  await sync.close();
});
