/**
 * kill -9 of the ledger node during a write load (DESIGN §10): the node runs as the real CLI
 * in a child process; after SIGKILL and a restart every acknowledged transaction is on the
 * ledger, and the head equals a clean replay of the ordering log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { encodeCbor, MeterRole, PartyRole } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { genesisToJson } from '../src/core/genesis.js';
import { LedgerWorld } from '../src/sim/ledger-world.js';
import { cleanReplay } from './helpers/replay.js';

const BIN = new URL('../bin/ledger-node.mjs', import.meta.url).pathname;

function startChild(dataDir: string, genesisFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'start', '--data', dataDir, '--genesis', genesisFile, '--port', '0', '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      const { listening } = JSON.parse(line) as { listening: string };
      resolve({ child, url: listening });
    });
    child.once('exit', (code) => reject(new Error(`ledger-node exited with ${code}: ${stderr}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function postBatch(url: string, txs: Uint8Array[]): Promise<Array<{ id: string; status: string }>> {
  const response = await fetch(`${url}/v1/tx/batch`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: encodeCbor(txs) });
  if (response.status !== 200) throw new Error(`batch answered ${response.status}`);
  return ((await response.json()) as { results: Array<{ id: string; status: string }> }).results;
}

t.test('kill -9 during a write load loses no acknowledged transaction', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-kill9-'));
  const w = new LedgerWorld({ provider: nodeEd25519, chainId: 'kill9', seed: 'kill9' });
  const D = w.actor('D', PartyRole.INTERMEDIARY);
  const P = w.actor('P', PartyRole.PROVIDER, D);
  const C = w.actor('C', PartyRole.CONSUMER, D);
  const producers = Array.from({ length: 40 }, (_, i) => w.meter(`p${i}`, MeterRole.PRODUCER, P, D, 1 + (i % 3), 1_000_000));
  const consumers = Array.from({ length: 40 }, (_, i) => w.meter(`c${i}`, MeterRole.CONSUMER, C, D));
  const genesis = w.genesis([D]);
  const genesisFile = join(dir, 'genesis.json');
  writeFileSync(genesisFile, JSON.stringify(genesisToJson(genesis)));
  const dataDir = join(dir, 'data');

  let node = await startChild(dataDir, genesisFile);
  const setup = await postBatch(node.url, [w.registerParty(P), w.registerParty(C), ...producers.map((m) => w.registerMeter(m)), ...consumers.map((m) => w.registerMeter(m))]);
  t.ok(setup.every((r) => r.status === 'applied'), 'setup applied');

  // Writers keep batches in flight until the node is killed under them. Each writer owns a
  // third of the meters, so every meter's readings reach the ledger in sequence order.
  const acked = new Set<string>();
  const start = 1_800_000_000 - (1_800_000_000 % 1800);
  let interval = start;
  let killed = false;
  const writer = async (k: number): Promise<void> => {
    let mine = start;
    while (!killed) {
      mine += 1800;
      interval = Math.max(interval, mine);
      const txs = [...producers.filter((_, i) => i % 3 === k).map((m) => w.issue(m, mine, 500)), ...consumers.filter((_, i) => i % 3 === k).map((m) => w.usage(m, mine, 300))];
      try {
        for (const r of await postBatch(node.url, txs)) {
          if (r.status === 'applied') acked.add(r.id);
          else t.fail(`a valid reading was ${r.status}: ${JSON.stringify(r)}`);
        }
      } catch (error) {
        if (!killed) t.fail(`writer failed before the kill: ${(error as Error).message}`);
        return; // the connection died with the node
      }
    }
  };
  const writers = [writer(0), writer(1), writer(2)];
  while (acked.size < 1500) await new Promise((resolve) => setTimeout(resolve, 20));
  node.child.kill('SIGKILL');
  killed = true;
  await exited(node.child);
  await Promise.all(writers);
  t.ok(acked.size >= 1500, `${acked.size} transactions acknowledged before kill -9`);

  node = await startChild(dataDir, genesisFile);
  // A transaction ordered after everything that was ordered before the kill: once it is
  // answered, the node has applied the whole log.
  const sentinel = await postBatch(node.url, [w.close(D, interval + 3600)]);
  t.equal(sentinel[0]!.status, 'applied');
  let missing = 0;
  const ids = [...acked];
  for (let i = 0; i < ids.length; i += 50) {
    const answers = await Promise.all(ids.slice(i, i + 50).map(async (id) => (await fetch(`${node.url}/v1/tx/${id}`)).json() as Promise<{ status?: string }>));
    missing += answers.filter((a) => a.status !== 'applied').length;
  }
  t.equal(missing, 0, 'every acknowledged transaction is on the ledger after the restart');
  const health = (await (await fetch(`${node.url}/health`)).json()) as { height: number; hash: string; stateRoot: string; position: number };
  node.child.kill('SIGTERM');
  await exited(node.child);

  const replay = await cleanReplay(join(dataDir, 'ordering.sqlite'), genesis);
  t.same({ height: replay.height, hash: replay.hash, stateRoot: replay.stateRoot, position: replay.position }, { height: health.height, hash: health.hash, stateRoot: health.stateRoot, position: health.position }, 'head equals a clean replay of the ordering log');
  rmSync(dir, { recursive: true, force: true });
});
