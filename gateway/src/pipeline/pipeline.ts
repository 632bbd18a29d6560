/**
 * The verification pipeline (DESIGN §6): decode -> registry lookup -> Ed25519 in the worker
 * pool -> (journal-stage.ts) sequence and hash chain -> plausibility -> durable journal ->
 * ack. Nothing a meter sends can throw out of `submit`: every refusal is a counted reason.
 *
 * Messages are verified in batches that may complete out of order across workers; the chain
 * stage consumes batches strictly in arrival order, so the readings of one meter are checked
 * in the order the broker delivered them.
 *
 * A message whose predecessor is missing is parked until the next registry sync and staged
 * once more: with a shared subscription the predecessor may have gone to another gateway of
 * the fleet, which puts it on the ledger, whose chain head the sync brings in.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { decodeSignedReadings, partyIdFromPublicKey, ProtocolError, ProtocolErrorCode, type SignedReadings } from '@wattledger/protocol';
import type { PipelineConfig } from '../config/schema.js';
import type { Journal } from '../journal/journal.js';
import type { GroupAppender } from './journal-stage.js';
import type { GatewayMetrics } from '../ops/gateway-metrics.js';
import type { MeterRegistry } from '../registry/registry.js';
import { packSign1Jobs } from '../verify/job-codec.js';
import type { VerifyPool } from '../verify/verify-pool.js';
import { JournalStage, type VerifiedMessage } from './journal-stage.js';
import { RejectReason, type RejectionLog } from './rejection.js';

export interface InboundReadings {
  /** The meter id of the topic the message came on. */
  readonly topicMeterId: string;
  readonly payload: Uint8Array;
  /** performance.now() at receipt, for latency. */
  readonly receivedAt: number;
  /**
   * Made and signed by this gateway for a legacy meter (DLMS bridge): verified with the
   * gateway's own key, and must carry the gateway-attested flag.
   */
  readonly attested?: boolean;
  /**
   * Told how the message ended: 'journaled' or 'quarantined' (durable now), 'duplicate'
   * (already durable), or the reason it was refused.
   */
  readonly onDone?: (outcome: MessageOutcome) => void;
}

export type MessageOutcome = 'journaled' | 'quarantined' | RejectReason;

export interface PipelineDeps {
  readonly config: PipelineConfig;
  readonly maxPayloadBytes: number;
  readonly registry: MeterRegistry;
  /** Read side of the journal (chain heads, held readings). */
  readonly journal: Journal;
  /** Durable group commits (the journal writer thread). */
  readonly writer: GroupAppender;
  readonly pool: VerifyPool;
  /** Public key that signs gateway-attested (DLMS) readings: the gateway's own. */
  readonly attestationKey: Uint8Array;
  readonly metrics: GatewayMetrics;
  readonly rejections: RejectionLog;
  readonly logger: Logger;
  /** Wall clock, ms since the epoch (injectable for accelerated simulations). */
  readonly now: () => number;
  readonly publishAck: (meterId: string, seq: number) => void;
  /** Called after every successful commit (wakes the forwarder). */
  readonly onCommitted: () => void;
  /** A message named a meter missing from the registry, or a chain predecessor is missing: sync soon. */
  readonly requestRegistrySync: () => void;
}

interface VerifyBatch {
  readonly messages: VerifiedMessage[];
  results: Uint8Array | undefined;
  error: Error | undefined;
  done: boolean;
}

const DECODE_REASONS: Partial<Record<ProtocolErrorCode, RejectReason>> = {
  [ProtocolErrorCode.BAD_CBOR]: RejectReason.BAD_CBOR,
  [ProtocolErrorCode.BAD_COSE]: RejectReason.BAD_COSE,
  [ProtocolErrorCode.BAD_READING]: RejectReason.BAD_READING,
  [ProtocolErrorCode.TOO_LARGE]: RejectReason.TOO_LARGE,
};

/** Parked messages beyond this are refused at once as chain_gap. */
const MAX_PARKED = 10_000;

export class Pipeline {
  private readonly deps: PipelineDeps;
  private readonly stage: JournalStage;
  private batch: VerifiedMessage[] = [];
  private readonly batches: VerifyBatch[] = [];
  private parked: VerifiedMessage[] = [];
  private inFlight = 0;
  private dispatchScheduled = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private lastCommitOk = true;
  /** Party id of this gateway: the only attestor whose readings `attested` messages may carry. */
  private readonly attestor: string;

  constructor(deps: PipelineDeps) {
    this.deps = deps;
    this.attestor = partyIdFromPublicKey(deps.attestationKey);
    this.stage = new JournalStage({
      ...deps,
      onSettled: (messages, committed) => {
        this.inFlight -= messages;
        this.lastCommitOk = committed;
        if (committed) deps.onCommitted();
        this.checkIdle();
      },
    });
  }

  /** Readings verified and waiting for their group commit. */
  get journalLag(): number {
    return this.stage.stagedReadings;
  }

  /** False while the latest group commit failed (the journal cannot take readings). */
  get journalHealthy(): boolean {
    return this.lastCommitOk;
  }

  /** Messages accepted into the pipeline and not yet finished. */
  get pending(): number {
    return this.inFlight;
  }

  submit(message: InboundReadings): void {
    this.deps.metrics.messagesReceived.inc();
    try {
      this.admit(message);
    } catch (error) {
      this.deps.rejections.reject(RejectReason.INTERNAL, message.topicMeterId, `unexpected ${(error as Error).message}`);
      message.onDone?.(RejectReason.INTERNAL);
    }
  }

  /** A message refused before it entered the pipeline (not counted in flight). */
  private refuse(message: InboundReadings, reason: RejectReason, detail: string): void {
    this.deps.rejections.reject(reason, message.topicMeterId, detail);
    message.onDone?.(reason);
  }

  private admit(message: InboundReadings): void {
    const { config } = this.deps;
    const meterId = message.topicMeterId;
    if (this.closed) return this.refuse(message, RejectReason.OVERLOADED, 'gateway is shutting down');
    if (message.payload.length > this.deps.maxPayloadBytes) {
      return this.refuse(message, RejectReason.TOO_LARGE, `payload of ${message.payload.length} bytes exceeds ${this.deps.maxPayloadBytes}`);
    }
    if (this.inFlight >= config.queueLimit) return this.refuse(message, RejectReason.OVERLOADED, `${this.inFlight} messages in flight`);
    let signed: SignedReadings;
    try {
      signed = decodeSignedReadings(message.payload);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return this.refuse(message, DECODE_REASONS[error.code] ?? RejectReason.BAD_READING, error.message);
    }
    if (signed.meterId !== meterId) return this.refuse(message, RejectReason.TOPIC_MISMATCH, `message signed as meter ${signed.meterId} arrived on the topic of ${meterId}`);
    const meter = this.deps.registry.get(meterId);
    if (meter === undefined) {
      this.deps.requestRegistrySync();
      return this.refuse(message, RejectReason.UNKNOWN_METER, `meter ${meterId} is not registered for this intermediary`);
    }
    const attested = message.attested === true;
    if (attested && meter.attestedBy !== this.attestor) {
      return this.refuse(message, RejectReason.ATTESTATION_MISMATCH, `meter ${meterId} is not registered as attested by this gateway (${this.attestor}); register it with attestedBy ${this.attestor}`);
    }
    if (!attested && meter.attestedBy !== undefined) {
      return this.refuse(message, RejectReason.ATTESTATION_MISMATCH, `meter ${meterId} is gateway-attested (by ${meter.attestedBy}): only that gateway's readings are taken for it`);
    }
    this.inFlight++;
    this.batch.push({ meter, signed, cose: message.payload, receivedAt: message.receivedAt, attested, onDone: message.onDone });
    if (this.batch.length >= config.verifyBatch) this.dispatch();
    else if (!this.dispatchScheduled) {
      this.dispatchScheduled = true;
      setImmediate(() => this.dispatch());
    }
  }

  private dispatch(): void {
    this.dispatchScheduled = false;
    if (this.batch.length === 0) return;
    const messages = this.batch;
    this.batch = [];
    const batch: VerifyBatch = { messages, results: undefined, error: undefined, done: false };
    this.batches.push(batch);
    const jobs = messages.map((m) => ({
      publicKey: m.attested ? this.deps.attestationKey : m.meter.publicKey,
      protectedBytes: m.signed.sign1.protectedBytes,
      payload: m.signed.sign1.payload,
      signature: m.signed.sign1.signature,
    }));
    const started = performance.now();
    this.deps.pool.verifyPacked(packSign1Jobs(jobs), jobs.length).then(
      (results) => {
        batch.results = results;
        batch.done = true;
        this.deps.metrics.verifyLatency.observe((performance.now() - started) / 1000, messages.length);
        this.drain();
      },
      (error: Error) => {
        batch.error = error;
        batch.done = true;
        this.drain();
      },
    );
  }

  /** Consumes verified batches in arrival order. */
  private drain(): void {
    while (this.batches.length > 0 && this.batches[0]!.done) {
      const batch = this.batches.shift()!;
      for (let i = 0; i < batch.messages.length; i++) {
        const message = batch.messages[i]!;
        const meterId = message.meter.id;
        if (batch.error !== undefined) this.finish(message, RejectReason.INTERNAL, meterId, batch.error.message);
        else if (batch.results![i] !== 1) this.finish(message, RejectReason.BAD_SIGNATURE, meterId, 'signature does not verify under the registered key');
        else this.toStage(message, false);
      }
    }
    this.checkIdle();
  }

  private toStage(message: VerifiedMessage, lastChance: boolean): void {
    let result;
    try {
      result = this.stage.stage(message, lastChance || this.parked.length >= MAX_PARKED || this.closed);
    } catch (error) {
      return this.finish(message, RejectReason.INTERNAL, message.meter.id, `unexpected ${(error as Error).message}`);
    }
    if (result === 'done') this.inFlight--;
    else if (result === 'gap') {
      if (this.parked.length === 0) this.deps.requestRegistrySync();
      this.parked.push(message);
    }
  }

  /** The registry was synced (or the attempt failed): stage parked messages once more, for the last time. */
  registrySynced(): void {
    const parked = this.parked;
    this.parked = [];
    for (const message of parked) {
      const meter = this.deps.registry.get(message.meter.id) ?? message.meter;
      this.toStage({ ...message, meter }, true);
    }
    this.checkIdle();
  }

  /** A verified-stage message leaves the pipeline refused. */
  private finish(message: VerifiedMessage, reason: RejectReason, meterId: string, detail: string): void {
    this.deps.rejections.reject(reason, meterId, detail);
    message.onDone?.(reason);
    this.inFlight--;
  }

  private checkIdle(): void {
    if (this.inFlight > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when every message submitted so far is journaled (and acknowledged) or refused. */
  flush(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    this.dispatch();
    this.stage.commitSoon();
    if (this.parked.length > 0) this.deps.requestRegistrySync();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new messages and finishes those in flight. */
  async close(): Promise<void> {
    this.closed = true;
    this.registrySynced();
    await this.flush();
    this.stage.close();
  }
}
