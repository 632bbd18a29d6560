/**
 * Forwards journaled messages to the ledger (DESIGN §6): in journal order, in batches, as
 * issue-asset (producers) or record-usage (consumers). Idempotent: a message's transaction is
 * rebuilt identically after a restart (ledger-tx.ts), so one that reached the ledger before a
 * crash is answered "duplicate" and marked done. Transport failures are retried with backoff;
 * a transaction the ledger rejects is kept in the journal with its code and not retried.
 */
import type { Logger } from 'pino';
import { LedgerUnavailableError } from '../errors.js';
import type { ForwardOutcome, Journal } from '../journal/journal.js';
import { MessageState } from '../journal/schema.js';
import type { GatewayMetrics } from '../ops/gateway-metrics.js';
import { Backoff, Sleeper } from './backoff.js';
import type { LedgerClient } from './ledger-client.js';
import { readingTx, type BuiltTx, type TxSigner } from './ledger-tx.js';

/** A request body stays well below the ledger's batch limit (ledger-node: 64 MiB). */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export interface ForwarderDeps {
  /** Read side: pending messages. */
  readonly journal: Journal;
  /** Records the ledger's answers (on the journal writer thread, ordered after the commits). */
  readonly recordForwarded: (outcomes: readonly ForwardOutcome[]) => Promise<void> | void;
  readonly client: LedgerClient;
  readonly gateway: TxSigner;
  readonly batchSize: number;
  readonly retryMaxMs: number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** Told whether the last ledger request succeeded (health). */
  readonly onLedgerReachable?: (reachable: boolean) => void;
}

export class Forwarder {
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly sleeper = new Sleeper();
  private readonly backoff: Backoff;
  private failing = false;
  /** Transactions of the batch that last failed to reach the ledger, by journal id: a retry resends them without signing again. */
  private unsent = new Map<number, BuiltTx>();

  constructor(private readonly deps: ForwarderDeps) {
    this.backoff = new Backoff(50, deps.retryMaxMs);
  }

  /** There is new work in the journal. */
  kick(): void {
    if (this.closed) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) this.kick();
    });
  }

  /** Resolves when every pending message has an answer from the ledger (or the forwarder is closed). */
  async idle(): Promise<void> {
    while (!this.closed && (this.running !== undefined || this.deps.journal.pending(0, 1).length > 0)) {
      if (this.running === undefined) this.kick();
      await this.running;
    }
  }

  private async run(): Promise<void> {
    const { journal, client, gateway, metrics, logger } = this.deps;
    while (!this.closed) {
      this.again = false;
      const messages = journal.pending(0, this.deps.batchSize);
      if (messages.length === 0) return;
      let bytes = 0;
      const fit = messages.findIndex((m) => (bytes += m.cose.length) > MAX_BATCH_BYTES);
      if (fit > 0) messages.length = fit;
      const txs = messages.map((m) => ({ message: m, tx: this.unsent.get(m.id) ?? readingTx(m.role, m.cose, m.id, gateway) }));
      let results;
      try {
        results = await client.submitBatch(txs.map((t) => t.tx.bytes));
      } catch (error) {
        metrics.ledgerErrors.inc({ kind: error instanceof LedgerUnavailableError ? 'unavailable' : 'protocol' });
        this.deps.onLedgerReachable?.(false);
        if (!this.failing) logger.warn({ err: (error as Error).message, pending: messages.length }, 'forwarding to the ledger failed; retrying with backoff');
        this.failing = true;
        this.unsent = new Map(txs.map((t) => [t.message.id, t.tx]));
        await this.sleeper.sleep(this.backoff.next());
        continue;
      }
      if (this.failing) logger.info('forwarding to the ledger resumed');
      this.failing = false;
      this.unsent.clear();
      this.backoff.reset();
      this.deps.onLedgerReachable?.(true);
      const outcomes: ForwardOutcome[] = txs.map(({ message, tx }, i) => {
        const result = results[i]!;
        const type = message.role === 'producer' ? 'issue-asset' : 'record-usage';
        metrics.ledgerTx.inc({ type, status: result.status });
        if (result.status === 'rejected') {
          logger.warn({ meter: message.meterId, tx: tx.id, code: result.code, reason: result.reason }, `ledger rejected ${type}`);
          return { id: message.id, state: MessageState.LEDGER_REJECTED, txId: tx.id, code: result.code ?? 'REJECTED' };
        }
        if (result.id !== tx.id) logger.warn({ tx: tx.id, ledgerId: result.id }, 'ledger reports another transaction id than the one computed here');
        return { id: message.id, state: MessageState.ON_LEDGER, txId: tx.id };
      });
      await this.deps.recordForwarded(outcomes);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sleeper.interrupt();
    await this.running;
  }
}
