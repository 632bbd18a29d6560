/**
 * A small HTTP server implementing the part of the ledger API the gateway uses (POST /v1/tx,
 * POST /v1/tx/batch, GET /v1/meters), recording what it receives. It decodes and verifies
 * every transaction with protocol's codecs, answers "duplicate" for a tx id it has seen (as the
 * real ledger does), and counts readings applied twice. The real ledger end to end lives in
 * bench/test.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeCbor,
  decodeSignedReadings,
  decodeTx,
  parseLedgerTx,
  readingHash,
  toHex,
  TxType,
  verifyTx,
  type IntervalReading,
} from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';

export interface LedgerMeter {
  id: string;
  publicKey: string;
  role: 'producer' | 'consumer';
  intermediary: string;
  productionMethod: number;
  ratedPowerW: number;
  lastSeq?: number;
  lastReadingHash?: string;
}

export interface AppliedReading {
  readonly txId: string;
  readonly type: string;
  readonly reading: IntervalReading;
}

export class RecordingLedger {
  readonly meters: LedgerMeter[] = [];
  /** Party id -> public key, for signature checks. */
  readonly parties = new Map<string, Uint8Array>();
  readonly txs = new Map<string, { type: string; signerId: string }>();
  readonly readings = new Map<string, AppliedReading>();
  readonly closedIntervals: number[] = [];
  /** Every reading submitted in a reading transaction, applied or not, as `meter/seq`, in arrival order. */
  readonly submitted: string[] = [];
  /** Transactions refused because a reading was at or below the meter's last sequence number (as the ledger does). */
  replays = 0;
  /** Transactions refused because a reading did not link to the meter's last reading. */
  chainBreaks = 0;
  duplicateTxs = 0;
  badSignatures = 0;
  /** Answer this many next POSTs with 503. */
  failNext = 0;
  requests = 0;
  private height = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        this.requests++;
        const body = new Uint8Array(Buffer.concat(chunks));
        const path = request.url ?? '/';
        try {
          if (request.method === 'GET' && path.startsWith('/v1/meters')) {
            const intermediary = new URL(path, 'http://x').searchParams.get('intermediary');
            return json(response, 200, this.meters.filter((m) => m.intermediary === intermediary));
          }
          if (request.method === 'POST' && this.failNext > 0) {
            this.failNext--;
            return json(response, 503, { error: 'simulated outage' });
          }
          if (request.method === 'POST' && path === '/v1/tx') return json(response, 200, this.apply(body));
          if (request.method === 'POST' && path === '/v1/tx/batch') {
            const txs = decodeCbor(body) as Uint8Array[];
            return json(response, 200, { results: txs.map((tx) => this.apply(tx)) });
          }
          json(response, 404, { error: 'not found' });
        } catch (error) {
          json(response, 400, { error: (error as Error).message });
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  addMeter(meter: Omit<LedgerMeter, 'id' | 'publicKey'> & { id: string; publicKey: Uint8Array }): void {
    this.meters.push({ ...meter, publicKey: toHex(meter.publicKey) });
  }

  private apply(bytes: Uint8Array): { id: string; status: string; code?: string; reason?: string; height?: number } {
    const tx = decodeTx(bytes);
    if (this.txs.has(tx.id)) {
      this.duplicateTxs++;
      return { id: tx.id, status: 'duplicate' };
    }
    const key = this.parties.get(tx.signerId);
    if (key === undefined) return { id: tx.id, status: 'rejected', code: 'UNKNOWN_SIGNER', reason: `party ${tx.signerId} is not registered` };
    try {
      verifyTx(tx, key, nodeEd25519);
    } catch {
      this.badSignatures++;
      return { id: tx.id, status: 'rejected', code: 'BAD_SIGNATURE', reason: 'tx signature' };
    }
    const typed = parseLedgerTx(tx);
    if (typed.type === TxType.ISSUE_ASSET || typed.type === TxType.RECORD_USAGE) {
      const signed = decodeSignedReadings(typed.body.readings);
      for (const reading of signed.readings) this.submitted.push(`${reading.meterId}/${reading.seq}`);
      const meter = this.meters.find((m) => m.id === signed.meterId);
      if (meter === undefined) return { id: tx.id, status: 'rejected', code: 'UNKNOWN_METER', reason: signed.meterId };
      // Like ledger-node (core/handlers/readings.ts): a batch is all or nothing, sequence above the last, chain linked.
      let lastSeq = meter.lastSeq ?? -1;
      let lastHash = meter.lastReadingHash;
      for (const reading of signed.readings) {
        if (reading.seq <= lastSeq) {
          this.replays++;
          return { id: tx.id, status: 'rejected', code: 'REPLAYED_READING', reason: `seq ${reading.seq} <= ${lastSeq}` };
        }
        if (lastHash !== undefined && toHex(reading.prevHash) !== lastHash) {
          this.chainBreaks++;
          return { id: tx.id, status: 'rejected', code: 'CHAIN_BROKEN', reason: `seq ${reading.seq}` };
        }
        lastSeq = reading.seq;
        lastHash = toHex(readingHash(reading));
      }
      for (const reading of signed.readings) this.readings.set(`${reading.meterId}/${reading.seq}`, { txId: tx.id, type: typed.type, reading });
      meter.lastSeq = lastSeq;
      meter.lastReadingHash = lastHash;
    } else if (typed.type === TxType.CLOSE_INTERVAL) {
      this.closedIntervals.push(typed.body.intervalStart);
    }
    this.txs.set(tx.id, { type: tx.type, signerId: tx.signerId });
    return { id: tx.id, status: 'applied', height: ++this.height };
  }

  /** Applied readings of one meter, by seq. */
  seqsOf(meterId: string): number[] {
    return [...this.readings.values()].filter((r) => r.reading.meterId === meterId).map((r) => r.reading.seq).sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    if (this.server === undefined) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

function json(response: import('node:http').ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
