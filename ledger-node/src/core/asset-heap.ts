/**
 * Min-heap of open assets ordered by (expiry, root, offset): "nearest expiry first" (DESIGN §7
 * step 2), then one reading at a time from its first Wh, a total order: the pop sequence is
 * the same whatever the insertion history (a node restored from a snapshot takes assets in the
 * same order as one that never stopped). An asset split in place (SplitBatch: its offset moves
 * up as pieces leave its front) keeps its place: no other range of its root starts inside the
 * range it covered. Entries go stale when an asset is allocated, split, transferred or
 * expired; callers skip stale entries on pop (lazy deletion).
 */

export interface HeapEntry {
  readonly expiry: number;
  readonly root: string;
  readonly offset: number;
}

function before(a: HeapEntry, b: HeapEntry): boolean {
  return a.expiry < b.expiry || (a.expiry === b.expiry && (a.root < b.root || (a.root === b.root && a.offset < b.offset)));
}

export class AssetHeap {
  private readonly items: HeapEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): HeapEntry | undefined {
    return this.items[0];
  }

  push(entry: HeapEntry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): HeapEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    this.siftDown(last);
    return top;
  }

  /** Places `entry` at the root's slot (the last entry, just removed) and moves it down to its place. */
  private siftDown(entry: HeapEntry): void {
    const items = this.items;
    let i = 0;
    const n = items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(items[right]!, items[left]!) ? right : left;
      if (!before(items[child]!, entry)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = entry;
  }
}
