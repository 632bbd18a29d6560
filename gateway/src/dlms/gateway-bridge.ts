/**
 * The DLMS bridge inside a running gateway (issue #6 item 2): the configured legacy meters are
 * polled on a UTC-aligned schedule, their load-profile intervals become readings signed by the
 * gateway's key and flagged gateway-attested, and they enter the same pipeline as firmware
 * readings (`submit`, i.e. Gateway.submitAttested, which resolves once journaled). Cursors
 * live in the journal database (sqlite-cursor-store.ts); counters go to /metrics.
 *
 * A restart after a crash between a journal commit and the cursor save re-reads the journaled
 * entries: a batch that repeats journaled readings (the journal refuses overlaps as a whole)
 * is cut to the readings after the journal's head and signed again, which the gateway may do
 * for readings it attests itself; identical repeats are answered as duplicates.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { signReadings, type Signer } from '@wattledger/protocol';
import { toPollerMeter, type DlmsConfig } from '../config/dlms-config.js';
import { Counter, type MetricRegistry } from '../ops/prometheus.js';
import { createDlmsPoller, type DlmsPoller, type DlmsReadingBatch, type PollResult } from './poller.js';
import { sqliteCursorStore, type SqliteCursorStore } from './sqlite-cursor-store.js';

export type AttestedOutcome = 'journaled' | 'quarantined' | 'duplicate';

export interface DlmsBridgeDeps {
  readonly config: DlmsConfig;
  /** The journal's database: cursors are stored beside it. */
  readonly db: Database.Database;
  /** The gateway's key. */
  readonly signer: Signer;
  /** Party id of the gateway (what the meters must be registered with as attestedBy). */
  readonly gatewayPartyId: string;
  readonly submit: (meterId: string, signedReadings: Uint8Array) => Promise<AttestedOutcome>;
  /** Highest journaled sequence number of a meter, if any. */
  readonly journaledSeq: (meterId: string) => number | undefined;
  /** The registry's view of a meter, for a startup warning when it is not attested by this gateway. */
  readonly registeredAttestor: (meterId: string) => { readonly attestedBy?: string | undefined } | undefined;
  readonly metrics: MetricRegistry;
  readonly logger: Logger;
  /** Wall clock, ms. */
  readonly now: () => number;
}

export interface DlmsBridgeMetrics {
  readonly polls: Counter;
  readonly readings: Counter;
  readonly skipped: Counter;
  readonly outcomes: Counter;
}

export interface DlmsBridge {
  readonly poller: DlmsPoller;
  readonly cursors: SqliteCursorStore;
  readonly metrics: DlmsBridgeMetrics;
  /** Polls every meter now (tests, operators); the schedule continues independently. */
  pollAll(): Promise<PollResult[]>;
  start(): void;
  /** Stops the schedule and waits for a poll in progress. */
  close(): Promise<void>;
}

export function createDlmsBridge(deps: DlmsBridgeDeps): DlmsBridge {
  const { config, logger } = deps;
  const p = 'wattledger_gateway_dlms_';
  const metrics: DlmsBridgeMetrics = {
    polls: deps.metrics.register(new Counter(`${p}polls_total`, 'DLMS meter polls by meter and result (ok, error).')),
    readings: deps.metrics.register(new Counter(`${p}readings_total`, 'Gateway-attested readings made from DLMS load profiles and handed to the pipeline, by meter.')),
    skipped: deps.metrics.register(new Counter(`${p}skipped_intervals_total`, 'Load-profile intervals that could not be attested (gaps, register decreases, misaligned entries), by meter.')),
    outcomes: deps.metrics.register(new Counter(`${p}batches_total`, 'Attested batches by pipeline outcome (journaled, quarantined, duplicate, refused).')),
  };
  const meters = config.meters.map(toPollerMeter);
  const cursors = sqliteCursorStore(
    deps.db,
    meters.map((m) => ({ name: m.name, meterId: m.meterId, invocationCounter: m.association?.security === undefined ? undefined : (m.association.security.invocationCounter ?? 1) })),
  );

  async function handOver(batch: DlmsReadingBatch): Promise<void> {
    let signed = batch.signed;
    const head = deps.journaledSeq(batch.meterId);
    const first = batch.readings[0]!;
    if (head !== undefined && first.seq <= head) {
      const fresh = batch.readings.filter((r) => r.seq > head);
      if (fresh.length > 0) {
        logger.info({ meter: batch.meter, from: first.seq, journaled: head }, 'DLMS batch repeats journaled readings (restart after a crash): handing over the rest');
        signed = signReadings(fresh, deps.signer);
      }
    }
    try {
      const outcome = await deps.submit(batch.meterId, signed);
      metrics.outcomes.inc({ meter: batch.meter, outcome });
      if (outcome !== 'duplicate') metrics.readings.inc({ meter: batch.meter }, decodeCount(batch, head));
    } catch (error) {
      metrics.outcomes.inc({ meter: batch.meter, outcome: 'refused' });
      throw error;
    }
  }

  const poller = createDlmsPoller({
    meters,
    sign: deps.signer,
    cursors,
    now: () => Math.floor(deps.now() / 1000),
    graceS: config.graceS,
    intervalS: config.pollIntervalS,
    onReading: handOver,
    onError: (meter, error) => logger.warn({ meter, code: (error as { code?: string }).code, err: error.message }, `DLMS poll of ${meter} failed: ${error.message}`),
    onPolled: (result) => {
      metrics.polls.inc({ meter: result.meter, result: result.error === undefined ? 'ok' : 'error' });
      if (result.skipped > 0) metrics.skipped.inc({ meter: result.meter }, result.skipped);
    },
  });

  return {
    poller,
    cursors,
    metrics,
    pollAll: () => poller.pollAll(),
    start() {
      for (const m of meters) {
        const registered = deps.registeredAttestor(m.meterId);
        if (registered === undefined) logger.warn({ meter: m.name, meterId: m.meterId }, `DLMS meter ${m.name} (${m.meterId}) is not registered on the ledger yet; register it with attestedBy ${deps.gatewayPartyId}`);
        else if (registered.attestedBy !== deps.gatewayPartyId) logger.warn({ meter: m.name, meterId: m.meterId, attestedBy: registered.attestedBy }, `DLMS meter ${m.name} (${m.meterId}) is registered without attestedBy ${deps.gatewayPartyId}: its readings will be refused`);
      }
      poller.start();
    },
    close: () => poller.stop(),
  };
}

/** Readings of the batch that were new to the journal. */
function decodeCount(batch: DlmsReadingBatch, head: number | undefined): number {
  return head === undefined ? batch.readings.length : batch.readings.filter((r) => r.seq > head).length;
}
