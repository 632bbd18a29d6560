/**
 * Closes intervals on the ledger for this gateway's intermediary (DESIGN §7: close-interval
 * triggers allocation), once `graceS` has passed after an interval's end and every journaled
 * reading of it or earlier intervals has an answer from the ledger. Checked on a timer; the
 * transaction's nonce is the interval start, so a retry after a restart is a duplicate.
 */
import type { Logger } from 'pino';
import type { Journal } from '../journal/journal.js';
import type { GatewayMetrics } from '../ops/gateway-metrics.js';
import type { LedgerClient } from './ledger-client.js';
import { closeIntervalTx, type TxSigner } from './ledger-tx.js';

export interface IntervalCloserDeps {
  readonly journal: Journal;
  readonly client: LedgerClient;
  readonly intermediary: TxSigner;
  readonly graceS: number;
  readonly checkMs: number;
  readonly now: () => number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
}

export class IntervalCloser {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly deps: IntervalCloserDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.deps.checkMs);
    this.timer.unref();
  }

  /** Closes every interval that is due now; resolves when done (or the ledger is unreachable). */
  check(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.running ??= this.closeDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async closeDue(): Promise<void> {
    const { journal, client, intermediary, metrics, logger } = this.deps;
    const due = journal.closableIntervals(Math.floor(this.deps.now() / 1000), this.deps.graceS);
    for (const interval of due) {
      if (this.closed) return;
      const tx = closeIntervalTx(interval.start, intermediary);
      let result;
      try {
        result = await client.submit(tx.bytes);
      } catch (error) {
        metrics.ledgerErrors.inc({ kind: 'close-interval' });
        logger.debug({ err: (error as Error).message }, 'close-interval not sent; will retry');
        return;
      }
      metrics.ledgerTx.inc({ type: 'close-interval', status: result.status });
      const rejected = result.status === 'rejected';
      if (rejected) logger.warn({ intervalStart: interval.start, code: result.code, reason: result.reason }, 'ledger rejected close-interval');
      else metrics.intervalsClosed.inc();
      journal.recordIntervalClosed(interval.start, tx.id, rejected);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running;
  }
}
