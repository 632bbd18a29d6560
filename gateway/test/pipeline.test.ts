/**
 * The pipeline without a broker: acks follow durable commits only; a failed commit
 * acknowledges nothing and refuses what chained onto it; order is kept per meter although
 * signatures are verified in parallel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { pino } from 'pino';
import { parseConfig } from '../src/config/schema.js';
import { JournalError } from '../src/errors.js';
import { Journal, type JournalEntry } from '../src/journal/journal.js';
import { createGatewayMetrics } from '../src/ops/gateway-metrics.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { RejectionLog } from '../src/pipeline/rejection.js';
import { MeterRegistry } from '../src/registry/registry.js';
import { VerifyPool } from '../src/verify/verify-pool.js';
import { TestMeter } from './helpers/test-meter.js';

t.test('acks only after a durable commit; a failed commit acknowledges nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-pipeline-'));
  const journal = new Journal(dir);
  const pool = await VerifyPool.start(2);
  t.teardown(async () => {
    await pool.close();
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const meters = [new TestMeter(), new TestMeter({ role: 'consumer' })];
  const registry = new MeterRegistry();
  for (const m of meters) registry.upsert({ id: m.id, publicKey: m.signer.publicKey, role: m.role, intermediary: 'x', productionMethod: m.productionMethod, ratedPowerW: m.ratedPowerW, lastSeq: undefined, lastReadingHash: undefined });
  const acks: Array<[string, number]> = [];
  let failNext = false;
  const writes: number[] = [];
  const metrics = createGatewayMetrics({ connectedMeters: () => 0, mqttClients: () => 0, journalPending: () => 0, ledgerLagReadings: () => 0, ledgerLagSeconds: () => 0, registryMeters: () => 0 });
  const logger = pino({ level: 'silent' });
  const config = parseConfig({ dataDir: dir, identity: { key: '00'.repeat(32), intermediaryId: '00'.repeat(8) }, ledger: { url: 'http://127.0.0.1:1' }, pipeline: { verifyBatch: 3 } });
  const pipeline = new Pipeline({
    config: config.pipeline,
    maxPayloadBytes: 10_000,
    registry,
    journal,
    writer: {
      append: async (entries: readonly JournalEntry[]) => {
        await new Promise((r) => setTimeout(r, 2));
        if (failNext) {
          failNext = false;
          throw new JournalError('disk full (simulated)');
        }
        journal.append(entries);
        writes.push(entries.length);
      },
    },
    pool,
    attestationKey: new Uint8Array(32),
    metrics,
    rejections: new RejectionLog({ counter: metrics.rejected, logger }),
    logger,
    now: Date.now,
    publishAck: (meterId, seq) => acks.push([meterId, seq]),
    onCommitted: () => undefined,
    requestRegistrySync: () => undefined,
  });
  const send = (m: TestMeter, count: number): void => {
    for (let i = 0; i < count; i++) pipeline.submit({ topicMeterId: m.id, payload: m.next(), receivedAt: 0 });
  };

  send(meters[0]!, 10);
  send(meters[1]!, 10);
  await pipeline.flush();
  t.equal(metrics.readingsAccepted.get(), 20, 'all accepted, in order, though verified in batches of 3 on 2 workers');
  t.same(journal.heads().get(meters[0]!.id)?.seq, 9);
  const lastAck = (id: string): number => Math.max(-1, ...acks.filter(([m]) => m === id).map(([, s]) => s));
  t.equal(lastAck(meters[0]!.id), 9);
  t.ok(writes.length >= 1, `group commits: ${writes.join(', ')}`);

  acks.length = 0;
  failNext = true;
  const saved = meters[0]!.save();
  send(meters[0]!, 3);
  await pipeline.flush();
  t.same(acks, [], 'a failed commit acknowledges nothing');
  t.equal(metrics.rejected.get({ reason: 'internal_error' }), 3, 'its messages are refused as internal_error');
  t.equal(pipeline.journalHealthy, false, 'health reports the failure');
  meters[0]!.restore(saved); // the meter resends what was not acknowledged
  send(meters[0]!, 3);
  await pipeline.flush();
  t.equal(lastAck(meters[0]!.id), 12, 'resent readings are journaled and acknowledged');
  t.equal(pipeline.journalHealthy, true);
  await pipeline.close();
});
