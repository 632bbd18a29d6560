/** The journal (real SQLite): durable appends, chain heads after reopen, forwarding state, intervals, credentials. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { packEntries, unpackEntries } from '../src/journal/entry-codec.js';
import { Journal, type JournalEntry } from '../src/journal/journal.js';
import { MessageState } from '../src/journal/schema.js';
import { JournalWriter } from '../src/journal/writer-client.js';
import { CredentialStore } from '../src/ingress/credentials.js';

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

const A = '0123456789abcdef';
const B = 'fedcba9876543210';

function entry(meterId: string, seqs: number[], over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    meterId,
    role: 'producer',
    cose: randomBytes(40),
    readings: seqs.map((seq) => ({ seq, hash: randomBytes(32), intervalStart: 1_700_006_400 + seq * 1800, intervalLength: 1800 })),
    quarantined: false,
    receivedMs: 1000 + seqs[0]!,
    ...over,
  };
}

function tempJournal(t: { teardown(fn: () => void): void }): { dir: string; journal: Journal } {
  const dir = mkdtempSync(join(tmpdir(), 'wl-journal-'));
  const journal = new Journal(dir);
  t.teardown(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, journal };
}

t.test('append, heads after reopen, held reading hashes', async (t) => {
  const { dir, journal } = tempJournal(t);
  const e1 = entry(A, [0]);
  const e2 = entry(A, [1, 2, 3]);
  const e3 = entry(B, [7], { role: 'consumer' });
  const ids = journal.append([e1, e2, e3]);
  t.same(ids, [1, 2, 3], 'message ids in journal order');
  journal.close();
  const reopened = new Journal(dir);
  t.teardown(() => reopened.close());
  const heads = reopened.heads();
  t.same(heads.get(A), { seq: 3, hash: new Uint8Array(e2.readings[2]!.hash) });
  t.equal(heads.get(B)?.seq, 7);
  t.same(reopened.readingHash(A, 1), new Uint8Array(e2.readings[0]!.hash));
  t.equal(reopened.readingHash(A, 4), undefined);
  t.throws(() => reopened.append([entry(A, [2])]), { code: 'JOURNAL' }, 'a reading journaled twice is refused');
  t.equal(reopened.heads().get(A)?.seq, 3, 'the failed transaction left nothing behind');
});

t.test('pending messages, forwarding outcomes, ledger backlog', async (t) => {
  const { journal } = tempJournal(t);
  journal.append([entry(A, [0]), entry(A, [1, 2]), entry(B, [0], { quarantined: true }), entry(B, [1], { role: 'consumer' })]);
  const pending = journal.pending(0, 10);
  t.same(pending.map((p) => [p.id, p.meterId, p.readingCount]), [[1, A, 1], [2, A, 2], [4, B, 1]], 'quarantined messages are never pending');
  t.same(journal.ledgerBacklog(), { messages: 3, readings: 4, oldestReceivedMs: 1000 });
  journal.recordForwarded([{ id: 1, state: MessageState.ON_LEDGER, txId: 'aa' }, { id: 2, state: MessageState.LEDGER_REJECTED, txId: 'bb', code: 'CHAIN_BROKEN' }]);
  t.same(journal.pending(0, 10).map((p) => p.id), [4]);
  t.same(journal.messageCounts(), { pending: 1, onLedger: 1, quarantined: 1, ledgerRejected: 1 });
  t.same(journal.pending(0, 1).length, 1, 'limit');
});

t.test('closable intervals wait for the grace period and for every earlier reading to be forwarded', async (t) => {
  const { journal } = tempJournal(t);
  const start = 1_700_006_400;
  journal.append([entry(A, [0]), entry(A, [1])]); // intervals start, start + 1800
  const end0 = start + 1800;
  t.same(journal.closableIntervals(end0 + 299, 300), [], 'grace not over');
  t.same(journal.closableIntervals(end0 + 300, 300), [], 'grace over, but its reading is not on the ledger yet');
  journal.recordForwarded([{ id: 1, state: MessageState.ON_LEDGER, txId: 'aa' }]);
  t.same(journal.closableIntervals(end0 + 300, 300), [{ start, end: end0 }]);
  t.same(journal.closableIntervals(end0 + 3600, 300), [{ start, end: end0 }], 'the next one still waits for its reading');
  journal.recordIntervalClosed(start, 'cc', false);
  t.same(journal.closableIntervals(end0 + 3600, 300), []);
});

t.test('credentials: issued once, stored hashed, checked in constant time', async (t) => {
  const { journal } = tempJournal(t);
  const store = new CredentialStore(journal.db);
  t.notOk(store.has(A));
  const token = store.issue(A);
  t.ok(store.has(A));
  t.ok(store.check(A, Buffer.from(token)));
  t.notOk(store.check(A, Buffer.from(`${token}x`)));
  t.notOk(store.check(B, Buffer.from(token)), 'another meter');
  t.notOk(store.check(A, undefined));
  t.notOk(store.check(undefined, Buffer.from(token)));
  const row = journal.db.prepare('SELECT hash FROM credentials WHERE meter_id = ?').get(A) as { hash: Buffer };
  t.notOk(row.hash.toString().includes(token), 'the token itself is not stored');
  const replaced = store.issue(A);
  t.notOk(store.check(A, Buffer.from(token)), 'reissuing revokes the old credential');
  t.ok(store.check(A, Buffer.from(replaced)));
  t.ok(store.revoke(A));
  t.notOk(store.check(A, Buffer.from(replaced)));
  t.throws(() => store.issue('not-a-meter'), TypeError);
});

t.test('entry codec: property round trip, truncation refused', async (t) => {
  const reading = fc.record({ seq: fc.nat(0xffffffff), hash: fc.uint8Array({ minLength: 32, maxLength: 32 }), intervalStart: fc.nat(0xffffffff), intervalLength: fc.nat(86400) });
  const arbEntry = fc.record({
    meterId: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex')),
    role: fc.constantFrom<'producer' | 'consumer'>('producer', 'consumer'),
    cose: fc.uint8Array({ maxLength: 200 }),
    readings: fc.array(reading, { minLength: 1, maxLength: 5 }),
    quarantined: fc.boolean(),
    receivedMs: fc.nat(),
  });
  const canonical = (entries: readonly JournalEntry[]): string =>
    JSON.stringify(entries.map((e) => [e.meterId, e.role, [...e.cose], e.quarantined, e.receivedMs, e.readings.map((r) => [r.seq, [...r.hash], r.intervalStart, r.intervalLength])]));
  fc.assert(fc.property(fc.array(arbEntry, { maxLength: 6 }), (entries) => canonical(unpackEntries(packEntries(entries))) === canonical(entries)));
  const packed = packEntries([entry(A, [0, 1])]);
  for (let cut = 0; cut < packed.length; cut += 7) t.throws(() => unpackEntries(packed.subarray(0, cut)), RangeError);
});

t.test('the writer thread commits durably and reports failures', async (t) => {
  const { dir, journal } = tempJournal(t);
  const writer = await JournalWriter.start(dir);
  t.teardown(() => writer.close());
  await writer.append([entry(A, [0]), entry(A, [1])]);
  t.equal(journal.heads().get(A)?.seq, 1, 'visible to the main connection once acknowledged');
  await t.rejects(writer.append([entry(A, [1])]), { code: 'JOURNAL' }, 'a constraint failure is a JournalError');
  await writer.recordForwarded([{ id: 1, state: MessageState.ON_LEDGER, txId: 'aa' }]);
  t.same(journal.pending(0, 10).map((p) => p.id), [2]);
  await writer.crashForTest();
  await until(() => writer.restarts === 1);
  await writer.append([entry(A, [2])]);
  t.equal(journal.heads().get(A)?.seq, 2, 'a new writer took over after a crash');
  await writer.close();
  await t.rejects(writer.append([entry(A, [2])]), { code: 'JOURNAL' }, 'closed');
});
