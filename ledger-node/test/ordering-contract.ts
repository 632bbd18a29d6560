/**
 * The contract every ordering adapter passes (see src/ordering/ordering.ts). Run it with a
 * harness whose `open()` returns a fresh handle on the SAME storage each call (so a close
 * followed by open is a restart) and whose `cleanup()` removes that storage.
 *
 *   orderingContract(t, 'embedded', async () => ({ open, cleanup }))
 */
import type { Test } from 'tap';
import { OrderingClosedError, type OrderedBatch, type Ordering } from '../src/ordering/ordering.js';

export interface OrderingHarness {
  open(): Promise<Ordering>;
  cleanup(): Promise<void>;
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const tx = (n: number): Uint8Array => new TextEncoder().encode(`tx-${n}`);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Collects batches until `count` txs have arrived (or the collector is stopped). */
function collect(ordering: Ordering, after: number, count: number): { batches: OrderedBatch[]; done: Promise<OrderedBatch[]>; stop: () => void } {
  const batches: OrderedBatch[] = [];
  let seen = 0;
  let finish!: (value: OrderedBatch[]) => void;
  const done = new Promise<OrderedBatch[]>((resolve) => (finish = resolve));
  if (count === 0) finish(batches);
  const stop = ordering.subscribe(after, (batch) => {
    batches.push(batch);
    seen += batch.txs.length;
    if (seen >= count) finish(batches);
  });
  return { batches, done, stop };
}

function flat(batches: readonly OrderedBatch[]): string[] {
  return batches.flatMap((b) => b.txs.map(text));
}

export async function orderingContract(t: Test, name: string, createHarness: () => Promise<OrderingHarness>): Promise<void> {
  await t.test(`ordering contract: ${name}`, async (t) => {
    const withOrdering = async (title: string, body: (t: Test, harness: OrderingHarness, ordering: Ordering) => Promise<void>): Promise<void> => {
      await t.test(title, async (t) => {
        const harness = await createHarness();
        const ordering = await harness.open();
        try {
          await body(t, harness, ordering);
        } finally {
          await ordering.close();
          await harness.cleanup();
        }
      });
    };

    await withOrdering('sequential submits get strictly increasing positions and replay in order', async (t, _h, ordering) => {
      const positions: number[] = [];
      for (let i = 0; i < 5; i++) positions.push((await ordering.submit([tx(i)])).position);
      t.ok(positions.every((p, i) => Number.isSafeInteger(p) && p > 0 && (i === 0 || p > positions[i - 1]!)), `positions ${positions.join(',')}`);
      const { done, stop } = collect(ordering, 0, 5);
      const batches = await done;
      stop();
      t.same(batches.map((b) => b.position), positions);
      t.same(flat(batches), ['tx-0', 'tx-1', 'tx-2', 'tx-3', 'tx-4']);
    });

    await withOrdering('a batch keeps its transactions together, in order, byte for byte', async (t, _h, ordering) => {
      const txs = [bytes(0), bytes(1, 2, 3), bytes(255, 0, 255), new Uint8Array(70_000).fill(7)];
      const { position } = await ordering.submit(txs);
      const { done, stop } = collect(ordering, 0, txs.length);
      const [batch] = await done;
      stop();
      t.equal(batch?.position, position);
      t.same(batch?.txs.map((b) => Array.from(b)), txs.map((b) => Array.from(b)));
    });

    await withOrdering('subscribe(after) skips batches at or before `after`', async (t, _h, ordering) => {
      const first = await ordering.submit([tx(1)]);
      const second = await ordering.submit([tx(2)]);
      await ordering.submit([tx(3)]);
      const { done, stop } = collect(ordering, first.position, 2);
      const batches = await done;
      stop();
      t.same(flat(batches), ['tx-2', 'tx-3']);
      t.equal(batches[0]?.position, second.position);
    });

    await withOrdering('replay then live without gap or duplicate', async (t, _h, ordering) => {
      for (let i = 0; i < 3; i++) await ordering.submit([tx(i)]);
      const { done, stop } = collect(ordering, 0, 10);
      const more: Promise<unknown>[] = [];
      for (let i = 3; i < 10; i++) more.push(ordering.submit([tx(i)]));
      await Promise.all(more);
      const batches = await done;
      stop();
      const names = flat(batches);
      t.equal(names.length, 10);
      t.same([...names].sort(), Array.from({ length: 10 }, (_, i) => `tx-${i}`).sort());
      t.ok(batches.every((b, i) => i === 0 || b.position > batches[i - 1]!.position), 'positions increase');
    });

    await withOrdering('concurrent submits: each delivered exactly once, at the position it was given', async (t, _h, ordering) => {
      const { done, stop } = collect(ordering, 0, 60);
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => ordering.submit([tx(2 * i), tx(2 * i + 1)])));
      const batches = await done;
      stop();
      const byPosition = new Map(batches.map((b) => [b.position, flat([b])]));
      results.forEach((r, i) => t.same(byPosition.get(r.position), [`tx-${2 * i}`, `tx-${2 * i + 1}`], `submit ${i}`));
      t.equal(flat(batches).length, 60);
    });

    await withOrdering('two subscribers see the same sequence', async (t, _h, ordering) => {
      const a = collect(ordering, 0, 8);
      const b = collect(ordering, 0, 8);
      for (let i = 0; i < 8; i++) await ordering.submit([tx(i)]);
      const [ba, bb] = await Promise.all([a.done, b.done]);
      a.stop();
      b.stop();
      t.same(ba.map((x) => [x.position, flat([x])]), bb.map((x) => [x.position, flat([x])]));
    });

    await withOrdering('an async handler holds back the next batch', async (t, _h, ordering) => {
      for (let i = 0; i < 4; i++) await ordering.submit([tx(i)]);
      let inside = 0;
      let overlap = false;
      const seen: string[] = [];
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const stop = ordering.subscribe(0, async (batch) => {
        inside++;
        if (inside > 1) overlap = true;
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(...flat([batch]));
        inside--;
        if (seen.length === 6) finish();
      });
      await ordering.submit([tx(4)]);
      await ordering.submit([tx(5)]);
      await done;
      stop();
      t.notOk(overlap, 'handlers never overlap');
      t.same(seen, ['tx-0', 'tx-1', 'tx-2', 'tx-3', 'tx-4', 'tx-5']);
    });

    await withOrdering('a rejecting handler stops delivery and reports the error', async (t, _h, ordering) => {
      await ordering.submit([tx(0)]);
      await ordering.submit([tx(1)]);
      let calls = 0;
      const error = await new Promise<unknown>((resolve) => {
        ordering.subscribe(0, () => {
          calls++;
          throw new Error('handler failed');
        }, resolve);
      });
      await ordering.submit([tx(2)]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      t.equal((error as Error).message, 'handler failed');
      t.equal(calls, 1);
    });

    await withOrdering('unsubscribe stops delivery', async (t, _h, ordering) => {
      const seen: string[] = [];
      let first!: () => void;
      const gotFirst = new Promise<void>((resolve) => (first = resolve));
      const stop = ordering.subscribe(0, (batch) => {
        seen.push(...flat([batch]));
        first();
      });
      await ordering.submit([tx(0)]);
      await gotFirst;
      stop();
      await ordering.submit([tx(1)]);
      const check = collect(ordering, 0, 2);
      await check.done;
      check.stop();
      t.same(seen, ['tx-0']);
    });

    await withOrdering('invalid arguments are refused', async (t, _h, ordering) => {
      // An adapter may throw synchronously or return a rejected promise.
      const refuses = async (submit: () => Promise<unknown>, type: new (...args: never[]) => Error, why: string): Promise<void> => {
        try {
          await submit();
          t.fail(`${why}: accepted`);
        } catch (error) {
          t.type(error, type, why);
        }
      };
      await refuses(() => ordering.submit([]), RangeError, 'empty batch');
      await refuses(() => ordering.submit([new Uint8Array(0)]), RangeError, 'empty tx bytes');
      await refuses(() => ordering.submit(['x' as unknown as Uint8Array]), TypeError, 'not bytes');
      t.throws(() => ordering.subscribe(-1, () => undefined), RangeError);
      t.throws(() => ordering.subscribe(1.5, () => undefined), RangeError);
    });

    await t.test('restart: everything acknowledged is replayed from the same storage', async (t) => {
      const harness = await createHarness();
      try {
        const first = await harness.open();
        const positions: number[] = [];
        for (let i = 0; i < 5; i++) positions.push((await first.submit([tx(i), tx(100 + i)])).position);
        await first.close();
        await t.rejects(first.submit([tx(9)]), OrderingClosedError, 'submit after close rejects');
        const second = await harness.open();
        try {
          const { done, stop } = collect(second, 0, 10);
          const batches = await done;
          stop();
          t.same(batches.map((b) => b.position), positions);
          t.same(flat(batches), [0, 1, 2, 3, 4].flatMap((i) => [`tx-${i}`, `tx-${100 + i}`]));
          const next = await second.submit([tx(5)]);
          t.ok(next.position > positions[4]!, 'positions keep increasing across a restart');
        } finally {
          await second.close();
        }
      } finally {
        await harness.cleanup();
      }
    });
  });
}
