/**
 * Storage in RAM with the durability contract of `hal/storage.ts` made explicit: writes are
 * pending until `flush()`, and `imageAfterPowerCut(keep)` returns what a power cut would
 * leave (the flushed state plus the first `keep` pending writes), from which a new store
 * boots. Used by unit tests, the power-cut test and in-memory virtual meters.
 */
import { checkKey, checkValue, type Storage } from '../hal/storage.js';

/** Contents of a store at one instant. Records and values are never mutated once stored. */
export interface StorageImage {
  readonly kv: ReadonlyMap<string, Uint8Array>;
  readonly logStart: number;
  readonly records: ReadonlyArray<Uint8Array>;
}

type Write =
  | { readonly kind: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'append'; readonly record: Uint8Array }
  | { readonly kind: 'trim'; readonly before: number };

interface MutableImage {
  kv: Map<string, Uint8Array>;
  logStart: number;
  records: Uint8Array[];
}

export const EMPTY_IMAGE: StorageImage = Object.freeze({ kv: new Map(), logStart: 0, records: [] });

function cloneImage(image: StorageImage): MutableImage {
  return { kv: new Map(image.kv), logStart: image.logStart, records: image.records.slice() };
}

function applyWrite(image: MutableImage, write: Write): void {
  switch (write.kind) {
    case 'put':
      image.kv.set(write.key, write.value);
      break;
    case 'delete':
      image.kv.delete(write.key);
      break;
    case 'append':
      image.records.push(write.record);
      break;
    case 'trim': {
      const end = image.logStart + image.records.length;
      const before = Math.min(Math.max(write.before, image.logStart), end);
      image.records.splice(0, before - image.logStart);
      image.logStart = before;
      break;
    }
  }
}

export class MemoryStorage implements Storage {
  private durable: MutableImage;
  private live: MutableImage;
  private pending: Write[] = [];
  private closed = false;

  constructor(image: StorageImage = EMPTY_IMAGE) {
    this.durable = cloneImage(image);
    this.live = cloneImage(image);
  }

  get(key: string): Uint8Array | undefined {
    checkKey(key);
    this.checkOpen();
    return this.live.kv.get(key);
  }

  put(key: string, value: Uint8Array): void {
    checkKey(key);
    checkValue(value);
    this.write({ kind: 'put', key, value: value.slice() });
  }

  delete(key: string): void {
    checkKey(key);
    this.write({ kind: 'delete', key });
  }

  append(record: Uint8Array): number {
    checkValue(record);
    const index = this.logEnd();
    this.write({ kind: 'append', record: record.slice() });
    return index;
  }

  readLog(index: number): Uint8Array | undefined {
    this.checkOpen();
    return this.live.records[index - this.live.logStart];
  }

  logStart(): number {
    return this.live.logStart;
  }

  logEnd(): number {
    return this.live.logStart + this.live.records.length;
  }

  trimLog(before: number): void {
    if (!Number.isInteger(before)) throw new TypeError('trimLog: integer index expected');
    this.write({ kind: 'trim', before });
  }

  flush(): void {
    this.checkOpen();
    for (const write of this.pending) applyWrite(this.durable, write);
    this.pending = [];
  }

  close(): void {
    this.closed = true;
  }

  /** Number of writes made since the last flush. */
  pendingWrites(): number {
    return this.pending.length;
  }

  /** What a power cut now would leave: the flushed state plus the first `keep` pending writes. */
  imageAfterPowerCut(keep = 0): StorageImage {
    const image = cloneImage(this.durable);
    for (const write of this.pending.slice(0, Math.max(0, keep))) applyWrite(image, write);
    return image;
  }

  /** The current contents, flushed or not. */
  image(): StorageImage {
    return cloneImage(this.live);
  }

  private write(write: Write): void {
    this.checkOpen();
    applyWrite(this.live, write);
    this.pending.push(write);
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}
