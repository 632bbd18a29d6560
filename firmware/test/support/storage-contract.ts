/**
 * The contract of `hal/storage.ts`, run against every Storage adapter. A factory opens a
 * fresh store and reopens it as a power cut would leave it (unflushed writes lost).
 */
import fc from 'fast-check';
import type { Test } from 'tap';
import type { Storage } from '../../src/hal/storage.js';

export interface StorageHarness {
  readonly storage: Storage;
  /** Drops the store without flushing and opens what a power cut leaves. */
  powerCut(): StorageHarness;
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

export function storageContract(t: Test, name: string, open: () => StorageHarness): void {
  t.test(`${name}: key/value`, async (t) => {
    const { storage } = open();
    t.equal(storage.get('missing'), undefined, 'a missing key reads as undefined');
    storage.put('a', bytes(1, 2, 3));
    t.same(storage.get('a'), bytes(1, 2, 3), 'reads see unflushed writes');
    storage.put('a', bytes(9));
    t.same(storage.get('a'), bytes(9), 'the last write wins');
    storage.delete('a');
    t.equal(storage.get('a'), undefined, 'deleted');
    const value = bytes(5, 6);
    storage.put('b', value);
    value[0] = 0;
    t.same(storage.get('b'), bytes(5, 6), 'put copies the value');
    storage.put('fifteen-chars-k', new Uint8Array(4000).fill(7));
    t.equal(storage.get('fifteen-chars-k')?.length, 4000, '15-character keys and 4000-byte values are accepted');
    t.throws(() => storage.put('sixteen-chars-ke', bytes(1)), TypeError, 'a 16-character key is refused');
    t.throws(() => storage.put('', bytes(1)), TypeError, 'an empty key is refused');
    t.throws(() => storage.put('k', [1] as unknown as Uint8Array), TypeError, 'a non-Uint8Array value is refused');
    storage.close();
  });

  t.test(`${name}: append log`, async (t) => {
    const { storage } = open();
    t.equal(storage.logStart(), 0);
    t.equal(storage.logEnd(), 0);
    t.equal(storage.append(bytes(1)), 0);
    t.equal(storage.append(bytes(2)), 1);
    t.equal(storage.append(bytes(3)), 2);
    t.same(storage.readLog(1), bytes(2));
    t.equal(storage.readLog(3), undefined, 'beyond the end reads as undefined');
    storage.trimLog(2);
    t.equal(storage.logStart(), 2);
    t.equal(storage.readLog(1), undefined, 'trimmed records are gone');
    t.same(storage.readLog(2), bytes(3));
    t.equal(storage.append(bytes(4)), 3, 'indices continue after a trim');
    storage.trimLog(1);
    t.equal(storage.logStart(), 2, 'trimming below the start changes nothing');
    storage.trimLog(99);
    t.equal(storage.logStart(), 4, 'trimming beyond the end empties the log');
    t.equal(storage.logEnd(), 4);
    t.equal(storage.append(bytes(5)), 4, 'an emptied log never reuses an index');
    storage.close();
  });

  t.test(`${name}: durability across a power cut`, async (t) => {
    const first = open();
    first.storage.put('kept', bytes(1));
    first.storage.append(bytes(10));
    first.storage.append(bytes(11));
    first.storage.trimLog(1);
    first.storage.flush();
    first.storage.put('lost', bytes(2));
    first.storage.append(bytes(12));
    const second = first.powerCut();
    const s = second.storage;
    t.same(s.get('kept'), bytes(1), 'flushed put survives');
    t.equal(s.get('lost'), undefined, 'unflushed put is lost');
    t.equal(s.logStart(), 1, 'flushed trim survives');
    t.equal(s.logEnd(), 2, 'unflushed append is lost');
    t.same(s.readLog(1), bytes(11));
    t.equal(s.append(bytes(13)), 2);
    s.flush();
    const third = second.powerCut();
    t.same(third.storage.readLog(2), bytes(13), 'an append after reopening survives');
    t.equal(third.storage.logEnd(), 3);
    third.storage.trimLog(3);
    third.storage.flush();
    const fourth = third.powerCut();
    t.equal(fourth.storage.logStart(), 3, 'an emptied log keeps its position across a power cut');
    t.equal(fourth.storage.append(bytes(14)), 3, 'and never reuses an index');
    fourth.storage.close();
  });

  t.test(`${name}: random operation sequences match a model after flush and power cut`, async (t) => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ kind: fc.constant('append' as const), value: fc.uint8Array({ minLength: 1, maxLength: 60 }) }),
      fc.record({ kind: fc.constant('trim' as const), delta: fc.integer({ min: -1, max: 3 }) }),
      fc.record({ kind: fc.constant('flush' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let harness = open();
        const model = { kv: new Map<string, Uint8Array>(), start: 0, records: [] as Uint8Array[] };
        let durable = structuredClone(model);
        for (const o of ops) {
          const s = harness.storage;
          if (o.kind === 'put') { s.put(o.key, o.value); model.kv.set(o.key, o.value); }
          else if (o.kind === 'delete') { s.delete(o.key); model.kv.delete(o.key); }
          else if (o.kind === 'append') { s.append(o.value); model.records.push(o.value); }
          else if (o.kind === 'trim') {
            const before = s.logStart() + o.delta;
            s.trimLog(before);
            const end = model.start + model.records.length;
            const clamped = Math.min(Math.max(before, model.start), end);
            model.records.splice(0, clamped - model.start);
            model.start = clamped;
          } else { s.flush(); durable = structuredClone(model); }
        }
        harness = harness.powerCut();
        const s = harness.storage;
        try {
          for (const key of ['a', 'b', 'c']) {
            const got = s.get(key);
            const want = durable.kv.get(key);
            if ((got === undefined) !== (want === undefined) || (got && want && Buffer.compare(got, want) !== 0)) return false;
          }
          if (s.logStart() !== durable.start || s.logEnd() !== durable.start + durable.records.length) return false;
          return durable.records.every((r, i) => Buffer.compare(s.readLog(durable.start + i)!, r) === 0);
        } finally {
          s.close();
        }
      }),
      { numRuns: 60 },
    );
    t.pass('model and store agree');
  });
}
