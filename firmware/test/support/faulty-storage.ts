/**
 * Power-cut injection for the durability tests: wraps a MemoryStorage and cuts the power
 * (throws PowerCut before performing it) at the N-th write or flush. What survives is the
 * flushed state plus a random prefix of the unflushed writes (hal/storage.ts contract).
 */
import { MemoryStorage } from '../../src/adapters/memory-storage.js';
import type { Storage } from '../../src/hal/storage.js';

export class PowerCut extends Error {
  readonly code = 'POWER_CUT';
}

export class FaultyStorage implements Storage {
  readonly inner: MemoryStorage;
  private writes = 0;

  constructor(inner: MemoryStorage, private readonly cutAt: number) {
    this.inner = inner;
  }

  /** Writes and flushes performed so far. */
  operations(): number {
    return this.writes;
  }

  private tick(): void {
    if (this.writes++ === this.cutAt) throw new PowerCut(`power cut at storage operation ${this.cutAt}`);
  }

  get(key: string): Uint8Array | undefined {
    return this.inner.get(key);
  }
  put(key: string, value: Uint8Array): void {
    this.tick();
    this.inner.put(key, value);
  }
  delete(key: string): void {
    this.tick();
    this.inner.delete(key);
  }
  append(record: Uint8Array): number {
    this.tick();
    return this.inner.append(record);
  }
  readLog(index: number): Uint8Array | undefined {
    return this.inner.readLog(index);
  }
  logStart(): number {
    return this.inner.logStart();
  }
  logEnd(): number {
    return this.inner.logEnd();
  }
  trimLog(before: number): void {
    this.tick();
    this.inner.trimLog(before);
  }
  flush(): void {
    this.tick();
    this.inner.flush();
  }
  close(): void {
    this.inner.close();
  }
}
