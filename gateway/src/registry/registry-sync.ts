/**
 * Keeps the meter registry in step with the ledger: a full sync at start, then on a timer,
 * and soon after a message from an unknown meter (at most once per `minGapMs`), so a meter
 * registered a moment ago is accepted on its next attempt.
 */
import type { Logger } from 'pino';
import type { LedgerClient } from '../forward/ledger-client.js';
import type { GatewayMetrics } from '../ops/gateway-metrics.js';
import { parseMeterList, type MeterRegistry } from './registry.js';

export interface RegistrySyncDeps {
  readonly client: LedgerClient;
  readonly registry: MeterRegistry;
  readonly intermediaryId: string;
  readonly intervalMs: number;
  readonly minGapMs?: number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** After every attempt, successful or not. */
  readonly onSynced?: (ok: boolean) => void;
}

export class RegistrySync {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private lastAttempt = 0;
  private closed = false;
  private failing = false;

  constructor(private readonly deps: RegistrySyncDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.sync(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** Fetches the intermediary's meters now; true on success. Concurrent calls share one request. */
  sync(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    this.running ??= this.fetch().then((ok) => {
      this.running = undefined;
      this.deps.onSynced?.(ok);
      return ok;
    });
    return this.running;
  }

  /** Asks for a sync soon, rate limited. */
  request(): void {
    if (this.closed || this.soon !== undefined) return;
    const gap = this.deps.minGapMs ?? 1000;
    const wait = Math.max(0, this.lastAttempt + gap - Date.now());
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.sync();
    }, wait);
    this.soon.unref();
  }

  private async fetch(): Promise<boolean> {
    const { client, registry, intermediaryId, metrics, logger } = this.deps;
    this.lastAttempt = Date.now();
    try {
      const { meters, problems } = parseMeterList(await client.meters(intermediaryId));
      for (const problem of problems.slice(0, 5)) logger.warn({ problem }, 'ledger meter entry skipped');
      registry.replace(meters.filter((m) => m.intermediary === intermediaryId), Date.now());
      metrics.registrySyncs.inc({ result: 'ok' });
      if (this.failing) logger.info({ meters: registry.size }, 'meter registry synced again');
      this.failing = false;
      return true;
    } catch (error) {
      metrics.registrySyncs.inc({ result: 'error' });
      if (!this.failing) logger.warn({ err: (error as Error).message }, 'meter registry sync failed; keeping the last known registry');
      this.failing = true;
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.soon !== undefined) clearTimeout(this.soon);
    await this.running;
  }
}
