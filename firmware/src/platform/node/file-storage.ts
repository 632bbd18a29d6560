/**
 * File-backed storage for the Node simulator: one write-ahead journal per meter directory.
 *
 * Journal frame: u32 length (of kind + body) | u8 kind | body | u32 CRC-32 (ISO-HDLC, as
 * zlib) of kind + body, big-endian. Kinds: PUT (u8 key length, key, value), DELETE (u8 key
 * length, key), APPEND (record), TRIM (u32 before), BASE (u32 logStart, first frame of a
 * compacted journal). Writes are buffered until `flush()`, which writes them in one call
 * and fsyncs, so the journal on disk is always a prefix of the writes; a torn or corrupt
 * tail frame (power cut during the write) is cut off when the journal is opened.
 * Compaction writes a snapshot to a temporary file, fsyncs it and renames it over the journal.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { checkKey, checkValue, type Storage } from '../../hal/storage.js';

const Kind = Object.freeze({ PUT: 1, DELETE: 2, APPEND: 3, TRIM: 4, BASE: 5 } as const);
const JOURNAL = 'storage.wal';
const FRAME_OVERHEAD = 9;
const MAX_FRAME = 1 << 24;

export interface FileStorageOptions {
  /** fsync on every flush (default true). Simulations of many meters may turn it off. */
  readonly fsync?: boolean;
  /** Compact when the journal exceeds twice the live data plus this many bytes (default 256 KiB). */
  readonly compactSlackBytes?: number;
}

export class FileStorage implements Storage {
  private readonly path: string;
  private readonly fsync: boolean;
  private readonly slack: number;
  private fd: number;
  private kv = new Map<string, Uint8Array>();
  private records: Uint8Array[] = [];
  private start = 0;
  private pending: Uint8Array[] = [];
  private journalBytes = 0;
  private liveBytes = 0;
  private closed = false;
  /** Bytes cut off the end of the journal when it was opened (a torn write). */
  readonly discardedBytes: number;

  constructor(directory: string, options: FileStorageOptions = {}) {
    mkdirSync(directory, { recursive: true });
    this.path = join(directory, JOURNAL);
    this.fsync = options.fsync ?? true;
    this.slack = options.compactSlackBytes ?? 256 * 1024;
    const bytes = existsSync(this.path) ? new Uint8Array(readFileSync(this.path)) : new Uint8Array(0);
    const good = this.replay(bytes);
    this.discardedBytes = bytes.length - good;
    this.fd = openSync(this.path, existsSync(this.path) ? 'r+' : 'w+');
    if (this.discardedBytes > 0) {
      ftruncateSync(this.fd, good);
      if (this.fsync) fsyncSync(this.fd);
    }
    this.journalBytes = good;
  }

  get(key: string): Uint8Array | undefined {
    checkKey(key);
    return this.kv.get(key);
  }

  put(key: string, value: Uint8Array): void {
    checkKey(key);
    checkValue(value);
    this.checkOpen();
    const stored = value.slice();
    this.liveBytes += stored.length - (this.kv.get(key)?.length ?? 0);
    this.kv.set(key, stored);
    this.pending.push(frame(Kind.PUT, keyed(key, stored)));
  }

  delete(key: string): void {
    checkKey(key);
    this.checkOpen();
    this.liveBytes -= this.kv.get(key)?.length ?? 0;
    this.kv.delete(key);
    this.pending.push(frame(Kind.DELETE, keyed(key, new Uint8Array(0))));
  }

  append(record: Uint8Array): number {
    checkValue(record);
    this.checkOpen();
    const index = this.logEnd();
    const stored = record.slice();
    this.records.push(stored);
    this.liveBytes += stored.length;
    this.pending.push(frame(Kind.APPEND, stored));
    return index;
  }

  readLog(index: number): Uint8Array | undefined {
    return this.records[index - this.start];
  }

  logStart(): number {
    return this.start;
  }

  logEnd(): number {
    return this.start + this.records.length;
  }

  trimLog(before: number): void {
    if (!Number.isInteger(before)) throw new TypeError('trimLog: integer index expected');
    this.checkOpen();
    this.applyTrim(before);
    this.pending.push(frame(Kind.TRIM, u32(this.start)));
  }

  flush(): void {
    this.checkOpen();
    if (this.pending.length === 0) return;
    const bytes = Buffer.concat(this.pending);
    this.pending = [];
    writeSync(this.fd, bytes, 0, bytes.length, this.journalBytes);
    if (this.fsync) fsyncSync(this.fd);
    this.journalBytes += bytes.length;
    if (this.journalBytes > 2 * this.liveBytes + this.slack) this.compact();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  /** Size of the journal on disk, bytes. */
  journalSize(): number {
    return this.journalBytes;
  }

  private compact(): void {
    const frames: Uint8Array[] = [frame(Kind.BASE, u32(this.start))];
    for (const [key, value] of this.kv) frames.push(frame(Kind.PUT, keyed(key, value)));
    for (const record of this.records) frames.push(frame(Kind.APPEND, record));
    const bytes = Buffer.concat(frames);
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    syncDirectory(dirname(this.path));
    closeSync(this.fd);
    this.fd = openSync(this.path, 'r+');
    this.journalBytes = bytes.length;
  }

  private applyTrim(before: number): void {
    const clamped = Math.min(Math.max(before, this.start), this.logEnd());
    for (const r of this.records.splice(0, clamped - this.start)) this.liveBytes -= r.length;
    this.start = clamped;
  }

  /** Applies every intact frame; returns the length of the intact prefix. */
  private replay(bytes: Uint8Array): number {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    while (offset + FRAME_OVERHEAD <= bytes.length) {
      const length = view.getUint32(offset);
      if (length < 1 || length > MAX_FRAME || offset + 8 + length > bytes.length) break;
      const content = bytes.subarray(offset + 4, offset + 4 + length);
      if (crc32(content) !== view.getUint32(offset + 4 + length)) break;
      if (!this.applyFrame(content[0]!, content.subarray(1))) break;
      offset += 8 + length;
    }
    return offset;
  }

  private applyFrame(kind: number, body: Uint8Array): boolean {
    switch (kind) {
      case Kind.PUT:
      case Kind.DELETE: {
        const keyLength = body[0] ?? 0;
        if (keyLength === 0 || keyLength + 1 > body.length) return false;
        const key = new TextDecoder().decode(body.subarray(1, 1 + keyLength));
        this.liveBytes -= this.kv.get(key)?.length ?? 0;
        if (kind === Kind.DELETE) {
          this.kv.delete(key);
        } else {
          const value = body.slice(1 + keyLength);
          this.kv.set(key, value);
          this.liveBytes += value.length;
        }
        return true;
      }
      case Kind.APPEND:
        this.records.push(body.slice());
        this.liveBytes += body.length;
        return true;
      case Kind.TRIM:
      case Kind.BASE: {
        if (body.length !== 4) return false;
        const index = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
        if (kind === Kind.TRIM) this.applyTrim(index);
        else if (this.records.length === 0) this.start = index;
        else return false;
        return true;
      }
      default:
        return false;
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`storage ${this.path} is closed`);
  }
}

/** Makes a rename durable (POSIX: the directory entry lives in the directory's data). */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

function keyed(key: string, value: Uint8Array): Uint8Array {
  const keyBytes = new TextEncoder().encode(key);
  const out = new Uint8Array(1 + keyBytes.length + value.length);
  out[0] = keyBytes.length;
  out.set(keyBytes, 1);
  out.set(value, 1 + keyBytes.length);
  return out;
}

function frame(kind: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_OVERHEAD + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1 + body.length);
  out[4] = kind;
  out.set(body, 5);
  view.setUint32(5 + body.length, crc32(out.subarray(4, 5 + body.length)));
  return out;
}
