/**
 * DESIGN §10: kill -9 of the gateway mid-stream loses no acknowledged reading, and nothing is
 * forwarded twice. The gateway runs as the real CLI in a child process; meters resend what
 * was not acknowledged, like the firmware; the ledger (recording server, with ledger-node's
 * rules: sequence above the last, chain linked) must end up with every reading exactly once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { makeFixture } from './helpers/fixture.js';
import { freePort, runCli, startChildGateway } from './helpers/child-gateway.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter, until } from './helpers/test-meter.js';

const METERS = 6;
const READINGS = 60;

t.test('kill -9 mid-stream, restart: no acknowledged reading lost, none forwarded twice', async (t) => {
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  const fixture = makeFixture(ledger);
  t.teardown(() => fixture.cleanup());
  const port = await freePort();
  const configFile = join(fixture.dir, 'gateway.yaml');
  writeFileSync(configFile, stringify({ ...fixture.raw, mqtt: { embedded: { host: '127.0.0.1', port } }, http: false, log: { level: 'warn' }, pipeline: { verifyWorkers: 1, commitDelayMs: 5 } }));

  const meters = Array.from({ length: METERS }, (_, i) => new TestMeter({ role: i % 2 === 0 ? 'producer' : 'consumer' }).register(ledger, fixture.intermediaryId));
  for (const m of meters) {
    const issued = runCli(['credential', '--config', configFile, '--meter', m.id]);
    t.equal(issued.status, 0, `credential issued by the CLI ${issued.stderr}`);
    m.password = issued.stdout.trim();
  }
  const messages = new Map(meters.map((m) => [m.id, Array.from({ length: READINGS }, () => ({ firstSeq: m.seq, cose: m.next() }))]));

  let gateway = await startChildGateway(configFile, port);
  t.teardown(() => gateway.stop());
  for (const m of meters) await m.connect(`mqtt://127.0.0.1:${port}`);

  // Stream: every meter publishes a reading every few ms without waiting; kill -9 once a third is acknowledged.
  let next = 0;
  const stream = setInterval(() => {
    if (next >= READINGS) return;
    for (const m of meters) m.client?.publish(`wl/v1/meters/${m.id}/readings`, Buffer.from(messages.get(m.id)![next]!.cose), { qos: 1 }, () => undefined);
    next++;
  }, 10);
  await until(() => meters.reduce((n, m) => n + m.lastAck + 1, 0) >= (METERS * READINGS) / 3, 'a third of the readings acknowledged', 30_000);
  await gateway.kill9();
  clearInterval(stream);
  const ackedAtKill = new Map(meters.map((m) => [m.id, m.lastAck]));
  const acked = [...ackedAtKill.values()].reduce((n, a) => n + a + 1, 0);
  t.ok(acked > 0 && acked < METERS * READINGS, `killed mid-stream with ${acked} of ${METERS * READINGS} readings acknowledged`);
  for (const m of meters) await m.disconnect();

  gateway = await startChildGateway(configFile, port);
  for (const m of meters) await m.connect(`mqtt://127.0.0.1:${port}`);
  // Like firmware, each meter resends only what was not acknowledged.
  await Promise.all(meters.map((m) => m.publishUntilAcked(messages.get(m.id)!, READINGS - 1, 60_000)));
  await until(() => meters.every((m) => ledger.seqsOf(m.id).length === READINGS), 'every reading on the ledger', 30_000);

  for (const m of meters) {
    const onLedger = new Set(ledger.seqsOf(m.id));
    const lost = Array.from({ length: ackedAtKill.get(m.id)! + 1 }, (_, i) => i).filter((s) => !onLedger.has(s));
    t.same(lost, [], `meter ${m.id}: every reading acknowledged before the kill is on the ledger`);
  }
  t.equal(ledger.replays, 0, 'no reading was forwarded in two different transactions');
  t.equal(ledger.chainBreaks, 0, 'the ledger chain of every meter is intact');
  t.equal(ledger.readings.size, METERS * READINGS, 'every reading applied exactly once');
  t.comment(`ledger saw ${ledger.txs.size} distinct transactions, ${ledger.duplicateTxs} resent after the restart and answered "duplicate"`);
  for (const m of meters) await m.disconnect();
  t.equal(await gateway.stop(), 0, 'SIGTERM stops the gateway cleanly');
});
