/**
 * `ledger`: transactions per second through one ledger node with durable commits
 * (embedded sequencer: SQLite WAL, synchronous=FULL, group commit), for a realistic mix:
 * 45 % issue-asset and 45 % record-usage (each carrying one meter-signed reading inside a
 * gateway-signed transaction: two Ed25519 verifications) and 10 % transfers (one). Every
 * signature is verified (node:crypto, worker threads), every block committed to SQLite.
 * Transactions are signed beforehand; the clock runs from the first submit to the last
 * answer. Judged by: txPerS >= 50,000.
 * Options: --txs N (default 60000), --workers N (verify threads; default one per core),
 *          --http (submit through POST /v1/tx/batch in chunks of 1000 instead of in process)
 * Reports cpuPerTx (all threads) and, on Linux, mainThreadPerTx: the main thread's CPU per
 * transaction, everything but the signature checks, and less sensitive to other load.
 * Env: WL_PROFILE=FILE writes a V8 CPU profile of the timed section; WL_HEAP_PROFILE=FILE a
 * sampled allocation profile of it (every allocation, collected or not: where garbage comes from).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCbor, MeterRole, PartyRole, readingHash, toHex, TxType, issueAssetBody } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerWorld, startLedgerNode, type SimMeter } from '@wattledger/ledger-node';
import { opsPerSecond, type BenchReport } from '../report.js';
import { mainThreadCpuUs, startProfilesFromEnv, watchGc } from '../profiling.js';

const WINDOW = 20_000;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

export default async function ledger(args: string[]): Promise<BenchReport> {
  const total = option(args, '--txs', 60_000);
  const workers = option(args, '--workers', availableParallelism());
  const http = args.includes('--http');
  const w = new LedgerWorld({ provider: nodeEd25519, chainId: 'bench-ledger' });
  const D1 = w.actor('D1', PartyRole.INTERMEDIARY);
  const D2 = w.actor('D2', PartyRole.INTERMEDIARY);
  const providers = [0, 1, 2].map((i) => w.actor(`P${i}`, PartyRole.PROVIDER, D1));
  const consumer = w.actor('C', PartyRole.CONSUMER, D1);
  const producers: SimMeter[] = Array.from({ length: 1000 }, (_, i) => w.meter(`p${i}`, MeterRole.PRODUCER, providers[i % 3]!, D1, [1, 2, 9][i % 3]!, 5_000_000));
  const homes: SimMeter[] = Array.from({ length: 1000 }, (_, i) => w.meter(`c${i}`, MeterRole.CONSUMER, consumer, D1));
  const setup = [...providers.map((p) => w.registerParty(p)), w.registerParty(consumer), ...producers.map((m) => w.registerMeter(m)), ...homes.map((m) => w.registerMeter(m))];

  // The workload, signed in advance: rounds of one interval each.
  const txs: Uint8Array[] = [];
  const openRoots: Array<{ id: string; wh: number }> = [];
  let interval = 1_790_000_000 - (1_790_000_000 % w.intervalS);
  let counts = { issue: 0, usage: 0, transfer: 0 };
  while (txs.length < total) {
    interval += w.intervalS;
    for (let i = 0; i < producers.length && txs.length < total; i++) {
      const meter = producers[i]!;
      const wh = 1000 + ((i * 7919) % 4000);
      const reading = w.reading(meter, interval, wh);
      txs.push(w.tx(TxType.ISSUE_ASSET, issueAssetBody(w.signed(meter, reading)), D1));
      openRoots.push({ id: toHex(readingHash(reading)), wh });
      counts.issue++;
      if (txs.length < total) {
        txs.push(w.usage(homes[i]!, interval, 200 + (i % 300)));
        counts.usage++;
      }
      if (i % 9 === 8 && txs.length < total && openRoots.length > 2000) {
        const root = openRoots.shift()!;
        txs.push(w.transfer(root.id, D1, D2, Math.floor(root.wh / 2)));
        counts.transfer++;
      }
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'wl-bench-ledger-'));
  const running = await startLedgerNode({ dataDir: dir, genesis: w.genesis([D1, D2]), port: 0, verifyWorkers: workers });
  try {
    for (const result of await Promise.all(setup.map((tx) => running.node.submit(tx)))) if (result.status !== 'applied') throw new Error(`setup: ${result.code}`);
    const heightBefore = running.node.head.height;
    const statuses = new Map<string, number>();
    const count = (status: string): void => void statuses.set(status, (statuses.get(status) ?? 0) + 1);

    const stopProfiles = await startProfilesFromEnv();
    const gc = watchGc();
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const mainStart = mainThreadCpuUs();
    if (http) {
      const chunks: Uint8Array[][] = [];
      for (let i = 0; i < txs.length; i += 1000) chunks.push(txs.slice(i, i + 1000));
      let next = 0;
      const client = async (): Promise<void> => {
        while (next < chunks.length) {
          const chunk = chunks[next++]!;
          const response = await fetch(`${running.url}/v1/tx/batch`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: encodeCbor(chunk) });
          for (const r of ((await response.json()) as { results: Array<{ status: string; code?: string }> }).results) count(r.code ?? r.status);
        }
      };
      // One client keeps per-meter order; the node groups its requests into batches.
      await Promise.all([client()]);
    } else {
      const inflight: Array<Promise<void>> = [];
      // One callback for all (not a closure per transaction: the harness's own garbage).
      const counted = (r: { status: string; code?: string }): void => count(r.code ?? r.status);
      for (const tx of txs) {
        inflight.push(running.node.submit(tx).then(counted));
        if (inflight.length >= WINDOW) await Promise.all(inflight.splice(0, WINDOW / 2));
      }
      await Promise.all(inflight);
    }
    const ended = performance.now();
    const seconds = (ended - started) / 1000;
    await stopProfiles();
    const cpu = process.cpuUsage(cpuStart);
    const mainEnd = mainThreadCpuUs();
    const gcs = await gc.stop(started, ended);
    const gcPerTxUs = (gcs.pauseMs * 1000) / txs.length;
    const majorGcs = gcs.majors;
    const blocks = running.node.head.height - heightBefore;
    const applied = statuses.get('applied') ?? 0;
    if (applied !== txs.length) throw new Error(`not every transaction applied: ${JSON.stringify([...statuses])}`);

    // The ceiling signature checks alone put on this machine.
    const signer = nodeEd25519.signer(new Uint8Array(32).fill(5));
    const message = new Uint8Array(160).fill(1);
    const signature = signer.sign(message);
    const verifyPerCore = opsPerSecond(() => void nodeEd25519.verify(signer.publicKey, message, signature), 500);
    const sigsPerTx = (2 * (counts.issue + counts.usage) + counts.transfer) / txs.length;
    const cores = availableParallelism();
    const verifyCeiling = (verifyPerCore * cores) / sigsPerTx;
    const txPerS = txs.length / seconds;
    const cpuPerTxUs = (cpu.user + cpu.system) / txs.length;
    // The main thread does everything but the signature checks: its share is the part to cut.
    const mainPerTxUs = mainStart === undefined || mainEnd === undefined ? undefined : (mainEnd - mainStart) / txs.length;
    return {
      name: 'ledger',
      judgedBy: 'txPerS >= 50,000 on one node with durable commits',
      rows: [
        { metric: 'transactions', value: txs.length, note: `${counts.issue} issue-asset, ${counts.usage} record-usage, ${counts.transfer} transfer${http ? ', over HTTP' : ', in process'}` },
        { metric: 'blocks', value: blocks, note: `${Math.round(txs.length / blocks)} tx per block (group commit)` },
        { metric: 'txPerS', value: txPerS, unit: 'tx/s' },
        { metric: 'cpu', value: ((cpu.user + cpu.system) / 1e6 / seconds) * 100, unit: '% of one core', note: `main thread + ${workers} verify workers, ${cores} cores` },
        { metric: 'cpuPerTx', value: cpuPerTxUs, unit: 'us', note: `CPU time per transaction, all threads (${Math.round(((2 * (counts.issue + counts.usage) + counts.transfer) / txs.length) * (1e6 / verifyPerCore))} us of it signature checks); ${cores} cores / this = ${Math.round((cores * 1e6) / cpuPerTxUs)} tx/s if CPU were the only limit` },
        ...(mainPerTxUs === undefined ? [] : [{ metric: 'mainThreadPerTx', value: mainPerTxUs, unit: 'us', note: `CPU time of the main thread per transaction (decode, state machine, block, SQLite, GC, pipeline); the other ${Math.round(cpuPerTxUs - mainPerTxUs)} us are the verify workers and V8/libuv helper threads` }]),
        { metric: 'gcPausePerTx', value: gcPerTxUs, unit: 'us', note: `main-thread GC pauses per transaction (${gcs.count} collections, ${majorGcs} full); V8's helper threads work besides` },
        { metric: 'verifyPerCore', value: verifyPerCore, unit: 'verify/s', note: 'node:crypto Ed25519, one core' },
        { metric: 'verifyCeiling', value: verifyCeiling, unit: 'tx/s', note: `all ${cores} cores doing nothing but ${sigsPerTx.toFixed(2)} verifications per tx` },
        { metric: 'ratioToCeiling', value: txPerS / verifyCeiling, note: 'how much of the verification bound the node reaches' },
      ],
      figures: { transactions: txs.length, txPerS: Math.round(txPerS), verifyCeiling: Math.round(verifyCeiling), ratioToCeiling: Number((txPerS / verifyCeiling).toFixed(3)), cpuPerTxUs: Math.round(cpuPerTxUs), ...(mainPerTxUs === undefined ? {} : { mainThreadPerTxUs: Math.round(mainPerTxUs) }), gcPausePerTxUs: Number(gcPerTxUs.toFixed(1)), majorGcs, withinBudget: txPerS >= 50_000, http },
    };
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
