/** Flash queue (core/flash-queue.ts) on memory storage. */
import fc from 'fast-check';
import t from 'tap';
import { MemoryStorage } from '../src/adapters/memory-storage.js';
import { StorageCorruptError } from '../src/core/errors.js';
import { decodeQueueRecord, encodeQueueRecord, FlashQueue, DEFAULT_QUEUE_CAPACITY } from '../src/core/flash-queue.js';

const entry = (seq: number) => ({ seq, signed: new Uint8Array([0xd2, seq & 0xff]), endImportedMWh: seq * 1000, endExportedMWh: 2 ** 40 + seq });

t.test('record encoding round trip', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 1, maxLength: 200 }),
    (seq, a, b, signed) => {
      const d = decodeQueueRecord(encodeQueueRecord({ seq, signed, endImportedMWh: a, endExportedMWh: b }), 0);
      return d.seq === seq && d.endImportedMWh === a && d.endExportedMWh === b && Buffer.compare(d.signed, signed) === 0;
    }));
  t.throws(() => decodeQueueRecord(new Uint8Array(10), 3), StorageCorruptError);
  const bad = encodeQueueRecord(entry(1));
  new DataView(bad.buffer).setFloat64(4, 0.5);
  t.throws(() => decodeQueueRecord(bad, 3), StorageCorruptError);
});

t.test('oldest first, removal only up to an ack, survives reopening', async (t) => {
  const storage = new MemoryStorage();
  const q = new FlashQueue(storage, 10);
  t.ok(DEFAULT_QUEUE_CAPACITY >= 1440, 'default capacity holds 30 days of 30-min readings');
  for (const seq of [3, 4, 5, 9, 10]) q.push(entry(seq));
  t.same(q.after(0, 2).map((e) => e.seq), [3, 4]);
  t.same(q.after(4, 10).map((e) => e.seq), [5, 9, 10]);
  t.equal(q.removeUpTo(2), 0);
  t.equal(q.removeUpTo(6), 3);
  t.same([q.oldestSeq(), q.newestSeq(), q.size()], [9, 10, 2]);
  storage.flush();
  const reopened = new FlashQueue(new MemoryStorage(storage.imageAfterPowerCut()), 10);
  t.same(reopened.after(0, 10).map((e) => [e.seq, e.endExportedMWh]), [[9, 2 ** 40 + 9], [10, 2 ** 40 + 10]]);
  t.throws(() => q.push(entry(10)), RangeError, 'sequence numbers must ascend');
});

t.test('a full queue refuses pushes instead of dropping the oldest', async (t) => {
  const q = new FlashQueue(new MemoryStorage(), 3);
  for (const seq of [1, 2, 3]) q.push(entry(seq));
  t.ok(q.isFull());
  t.throws(() => q.push(entry(4)), RangeError);
  t.same(q.after(0, 9).map((e) => e.seq), [1, 2, 3]);
});

t.test('a queue that does not ascend is reported as corrupt storage', async (t) => {
  const storage = new MemoryStorage();
  storage.append(encodeQueueRecord(entry(5)));
  storage.append(encodeQueueRecord(entry(4)));
  t.throws(() => new FlashQueue(storage), { code: 'STORAGE_CORRUPT' });
});
