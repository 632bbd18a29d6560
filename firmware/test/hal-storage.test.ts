/** The storage contract (hal/storage.ts) against every adapter, plus adapter-specific failure modes. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { MemoryStorage } from '../src/adapters/memory-storage.js';
import { FileStorage } from '../src/platform/node/file-storage.js';
import { storageContract, type StorageHarness } from './support/storage-contract.js';

function memoryHarness(storage = new MemoryStorage()): StorageHarness {
  return { storage, powerCut: () => memoryHarness(new MemoryStorage(storage.imageAfterPowerCut(0))) };
}

const dirs: string[] = [];
t.teardown(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wl-storage-'));
  dirs.push(dir);
  return dir;
}

function fileHarness(dir = tempDir(), slack?: number): StorageHarness {
  const storage = new FileStorage(dir, { fsync: false, ...(slack === undefined ? {} : { compactSlackBytes: slack }) });
  return {
    storage,
    powerCut: () => {
      storage.close();
      return fileHarness(dir, slack);
    },
  };
}

storageContract(t, 'MemoryStorage', () => memoryHarness());
storageContract(t, 'FileStorage', () => fileHarness());
storageContract(t, 'FileStorage (compacting on every flush)', () => fileHarness(tempDir(), 0));

t.test('MemoryStorage: a power cut keeps a prefix of the unflushed writes, in order', async (t) => {
  const s = new MemoryStorage();
  s.put('a', new Uint8Array([1]));
  s.flush();
  s.append(new Uint8Array([2]));
  s.put('a', new Uint8Array([3]));
  s.trimLog(1);
  t.equal(s.pendingWrites(), 3);
  const states = [0, 1, 2, 3].map((keep) => new MemoryStorage(s.imageAfterPowerCut(keep)));
  t.same(states.map((x) => [x.get('a')?.[0], x.logStart(), x.logEnd()]), [[1, 0, 0], [1, 0, 1], [3, 0, 1], [3, 1, 1]]);
});

t.test('FileStorage: a torn or corrupt tail is cut off on open', async (t) => {
  const dir = tempDir();
  const a = new FileStorage(dir, { fsync: false });
  a.put('k', new Uint8Array([1, 2]));
  a.append(new Uint8Array([7, 7, 7]));
  a.flush();
  a.close();
  const journal = join(dir, 'storage.wal');
  const good = statSync(journal).size;
  appendFileSync(journal, Buffer.from([0, 0, 0, 40, 3, 1, 2]));
  const b = new FileStorage(dir, { fsync: false });
  t.equal(b.discardedBytes, 7, 'the torn frame is discarded');
  t.same(b.get('k'), new Uint8Array([1, 2]));
  t.equal(b.logEnd(), 1);
  b.append(new Uint8Array([8]));
  b.flush();
  b.close();
  t.ok(statSync(journal).size > good, 'new writes follow the last good frame');
  const bytes = readFileSync(journal);
  bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
  writeFileSync(journal, bytes);
  const c = new FileStorage(dir, { fsync: false });
  t.equal(c.logEnd(), 1, 'a frame whose CRC fails is discarded with everything after it');
  t.ok(c.discardedBytes > 0);
  c.close();
});

t.test('FileStorage: compaction keeps the contents and shrinks the journal', async (t) => {
  const dir = tempDir();
  const s = new FileStorage(dir, { fsync: false, compactSlackBytes: 4096 });
  for (let i = 0; i < 500; i++) {
    s.put('state', new Uint8Array(100).fill(i & 0xff));
    s.append(new Uint8Array(50).fill(i & 0xff));
    s.trimLog(s.logEnd() - 10);
    s.flush();
  }
  t.ok(s.journalSize() < 3 * 4096, `journal stays small (${s.journalSize()} bytes)`);
  s.close();
  const r = new FileStorage(dir, { fsync: false });
  t.equal(r.logStart(), 490);
  t.equal(r.logEnd(), 500);
  t.same(r.readLog(499), new Uint8Array(50).fill(499 & 0xff));
  t.same(r.get('state'), new Uint8Array(100).fill(499 & 0xff));
  r.close();
});

t.test('FileStorage: a journal cut after every byte opens as the state of its last whole frame', async (t) => {
  const dir = tempDir();
  const s = new FileStorage(dir, { fsync: false });
  const states: Array<{ size: number; kv: string; log: string }> = [];
  const snapshot = (x: FileStorage) => ({ kv: JSON.stringify(['a', 'b'].map((k) => [...(x.get(k) ?? [])])), log: `${x.logStart()}..${x.logEnd()}:${x.readLog(x.logEnd() - 1)?.join(',') ?? ''}` });
  const record = (): void => {
    s.flush();
    states.push({ size: statSync(join(dir, 'storage.wal')).size, ...snapshot(s) });
  };
  record();
  s.put('a', new Uint8Array([1, 2, 3]));
  record();
  s.append(new Uint8Array([9, 8]));
  record();
  s.put('b', new Uint8Array(0));
  record();
  s.append(new Uint8Array([7]));
  record();
  s.trimLog(1);
  record();
  s.delete('a');
  record();
  s.close();
  const journal = readFileSync(join(dir, 'storage.wal'));
  let checked = 0;
  for (let cut = 0; cut <= journal.length; cut++) {
    const cutDir = tempDir();
    writeFileSync(join(cutDir, 'storage.wal'), journal.subarray(0, cut));
    const opened = new FileStorage(cutDir, { fsync: false });
    const expected = [...states].reverse().find((st) => st.size <= cut)!;
    const got = snapshot(opened);
    if (got.kv !== expected.kv || got.log !== expected.log || opened.discardedBytes !== cut - expected.size) t.fail(`cut at ${cut}: ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`);
    opened.close();
    checked++;
  }
  t.equal(checked, journal.length + 1, `${checked} cuts, each opening as the last whole frame`);
});
