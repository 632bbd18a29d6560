/**
 * The verification pipeline (DESIGN §6): decode -> registry lookup -> Ed25519 in the worker
 * pool -> sequence and hash chain -> plausibility -> durable journal (group commit) -> ack.
 *
 * A meter is acknowledged only with the sequence number of its latest reading that is on
 * disk: acks follow the commit. Messages complete verification in batches that may finish out
 * of order across workers; the chain stage consumes batches strictly in arrival order, so
 * readings of one meter are checked in the order the broker delivered them.
 * Nothing a meter sends can throw out of `submit`: every refusal is a counted RejectReason.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  decodeSignedReadings,
  encodeReading,
  ProtocolError,
  ProtocolErrorCode,
  sigStructure,
  ZERO_HASH,
  type SignedReadings,
} from '@wattledger/protocol';
import { nodeSha256 } from '@wattledger/protocol/node';
import type { PipelineConfig } from '../config/schema.js';
import { JournalError } from '../errors.js';
import type { Journal, JournalEntry } from '../journal/journal.js';
import type { GatewayMetrics } from '../ops/gateway-metrics.js';
import type { MeterRecord, MeterRegistry } from '../registry/registry.js';
import type { VerifyPool } from '../verify/verify-pool.js';
import { checkChain, type ChainHead } from './chain.js';
import { checkNotFuture, checkPlausible } from './plausibility.js';
import { RejectReason, type RejectionLog } from './rejection.js';

export interface InboundReadings {
  /** The meter id of the topic the message came on. */
  readonly topicMeterId: string;
  readonly payload: Uint8Array;
  /** performance.now() at receipt, for latency. */
  readonly receivedAt: number;
  /** Made and signed by this gateway for a legacy meter (DLMS bridge): must carry the gateway-attested flag. */
  readonly attested?: boolean;
}

export interface PipelineDeps {
  readonly config: PipelineConfig;
  readonly maxPayloadBytes: number;
  readonly registry: MeterRegistry;
  readonly journal: Journal;
  readonly pool: VerifyPool;
  readonly metrics: GatewayMetrics;
  readonly rejections: RejectionLog;
  readonly logger: Logger;
  /** Wall clock, ms since the epoch (injectable for accelerated simulations). */
  readonly now: () => number;
  readonly publishAck: (meterId: string, seq: number) => void;
  /** Called after every successful commit (wakes the forwarder). */
  readonly onCommitted: () => void;
  /** Called when a message names a meter missing from the registry (may trigger a sync). */
  readonly onUnknownMeter: (meterId: string) => void;
}

interface InFlight {
  readonly meter: MeterRecord;
  readonly signed: SignedReadings;
  readonly cose: Uint8Array;
  readonly receivedAt: number;
  readonly attested: boolean;
}

interface VerifyBatch {
  readonly messages: InFlight[];
  results: Uint8Array | undefined;
  error: Error | undefined;
  done: boolean;
}

interface Staged {
  readonly entry: JournalEntry;
  readonly receivedAt: number;
  readonly lastSeq: number;
}

const DECODE_REASONS: Partial<Record<ProtocolErrorCode, RejectReason>> = {
  [ProtocolErrorCode.BAD_CBOR]: RejectReason.BAD_CBOR,
  [ProtocolErrorCode.BAD_COSE]: RejectReason.BAD_COSE,
  [ProtocolErrorCode.BAD_READING]: RejectReason.BAD_READING,
  [ProtocolErrorCode.TOO_LARGE]: RejectReason.TOO_LARGE,
};

const INITIAL_HEAD: ChainHead = Object.freeze({ seq: -1, hash: ZERO_HASH });

export class Pipeline {
  private readonly deps: PipelineDeps;
  /** Chain heads including readings staged but not yet committed. */
  private readonly heads = new Map<string, ChainHead>();
  /** Highest journaled (durable) seq per meter: what acks report. */
  private readonly durable = new Map<string, number>();
  /** Hashes of staged, uncommitted readings by `meter/seq`, for duplicate detection. */
  private readonly uncommitted = new Map<string, Uint8Array>();
  private batch: InFlight[] = [];
  private readonly batches: VerifyBatch[] = [];
  private group: Staged[] = [];
  private readonly groupMeters = new Set<string>();
  private readonly reack = new Set<string>();
  private stagedReadings = 0;
  private inFlight = 0;
  private dispatchScheduled = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitImmediate: NodeJS.Immediate | undefined;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(deps: PipelineDeps) {
    this.deps = deps;
    for (const [meterId, head] of deps.journal.heads()) {
      this.heads.set(meterId, head);
      this.durable.set(meterId, head.seq);
    }
  }

  /** Readings verified and waiting for their group commit. */
  get journalLag(): number {
    return this.stagedReadings;
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
    }
  }

  private admit(message: InboundReadings): void {
    const { rejections, config } = this.deps;
    const meterId = message.topicMeterId;
    if (this.closed) return rejections.reject(RejectReason.OVERLOADED, meterId, 'gateway is shutting down');
    if (message.payload.length > this.deps.maxPayloadBytes) {
      return rejections.reject(RejectReason.TOO_LARGE, meterId, `payload of ${message.payload.length} bytes exceeds ${this.deps.maxPayloadBytes}`);
    }
    if (this.inFlight >= config.queueLimit) return rejections.reject(RejectReason.OVERLOADED, meterId, `${this.inFlight} messages in flight`);
    let signed: SignedReadings;
    try {
      signed = decodeSignedReadings(message.payload);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      return rejections.reject(DECODE_REASONS[error.code] ?? RejectReason.BAD_READING, meterId, error.message);
    }
    if (signed.meterId !== meterId) return rejections.reject(RejectReason.TOPIC_MISMATCH, meterId, `message signed as meter ${signed.meterId} arrived on the topic of ${meterId}`);
    const meter = this.deps.registry.get(meterId);
    if (meter === undefined) {
      this.deps.onUnknownMeter(meterId);
      return rejections.reject(RejectReason.UNKNOWN_METER, meterId, `meter ${meterId} is not registered for this intermediary`);
    }
    this.inFlight++;
    this.batch.push({ meter, signed, cose: message.payload, receivedAt: message.receivedAt, attested: message.attested === true });
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
      publicKey: m.meter.publicKey,
      message: sigStructure(m.signed.sign1.protectedBytes, m.signed.sign1.payload),
      signature: m.signed.sign1.signature,
    }));
    const started = performance.now();
    this.deps.pool.verify(jobs).then(
      (results) => {
        batch.results = results;
        batch.done = true;
        const seconds = (performance.now() - started) / 1000;
        for (let i = 0; i < messages.length; i++) this.deps.metrics.verifyLatency.observe(seconds);
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
        const meterId = message.signed.meterId;
        let staged = false;
        try {
          if (batch.error !== undefined) this.deps.rejections.reject(RejectReason.INTERNAL, meterId, batch.error.message);
          else if (batch.results![i] !== 1) this.deps.rejections.reject(RejectReason.BAD_SIGNATURE, meterId, 'signature does not verify under the registered key');
          else staged = this.stage(message);
        } catch (error) {
          this.deps.rejections.reject(RejectReason.INTERNAL, meterId, `unexpected ${(error as Error).message}`);
        }
        if (!staged) this.inFlight--;
      }
    }
    this.checkIdle();
  }

  private headOf(meter: MeterRecord): ChainHead {
    const ledgerHead = meter.lastSeq !== undefined && meter.lastReadingHash !== undefined ? { seq: meter.lastSeq, hash: meter.lastReadingHash } : undefined;
    const local = this.heads.get(meter.id);
    // Another gateway of the same fleet (shared subscription) may have put later readings on the ledger.
    const head = local === undefined || (ledgerHead !== undefined && ledgerHead.seq > local.seq) ? (ledgerHead ?? INITIAL_HEAD) : local;
    if (head !== local) this.heads.set(meter.id, head);
    return head;
  }

  private ackValue(meter: MeterRecord): number {
    return Math.max(this.durable.get(meter.id) ?? -1, meter.lastSeq ?? -1);
  }

  /** Acknowledges again (duplicates, replays): after the pending commit if the meter has one, else now. */
  private reacknowledge(meter: MeterRecord): void {
    if (this.groupMeters.has(meter.id)) {
      this.reack.add(meter.id);
      return;
    }
    const seq = this.ackValue(meter);
    if (seq >= 0) this.ack(meter.id, seq);
  }

  private ack(meterId: string, seq: number): void {
    this.deps.metrics.acksPublished.inc();
    this.deps.publishAck(meterId, seq);
  }

  /** Chain and plausibility of a verified message; true if it was staged for the journal. */
  private stage(message: InFlight): boolean {
    const { meter, signed } = message;
    const { rejections } = this.deps;
    const readings = signed.readings;
    // readingHash is SHA-256 of the reading's payload bytes; decodeReadingPayload guarantees they are canonical.
    const hashes = readings.length === 1 && isSingle(signed) ? [nodeSha256(signed.sign1.payload)] : readings.map((r) => nodeSha256(encodeReading(r)));
    const outcome = checkChain(this.headOf(meter), readings, hashes, (seq) => this.uncommitted.get(`${meter.id}/${seq}`) ?? this.deps.journal.readingHash(meter.id, seq));
    if (outcome.kind === 'duplicate') {
      rejections.reject(RejectReason.DUPLICATE, meter.id, `seq ${readings[0]!.seq}..${readings[readings.length - 1]!.seq} already journaled`, readings.length);
      this.reacknowledge(meter);
      return false;
    }
    if (outcome.kind === 'reject') {
      rejections.reject(outcome.reason, meter.id, outcome.detail);
      if (outcome.reason === RejectReason.STALE_SEQ) this.reacknowledge(meter);
      return false;
    }
    const fresh = readings.slice(outcome.firstNew);
    const nowS = Math.floor(this.deps.now() / 1000);
    for (const reading of fresh) {
      const future = checkNotFuture(reading, nowS, this.deps.config.maxFutureSkewS);
      if (future !== undefined) {
        rejections.reject(future.reason, meter.id, future.detail);
        return false;
      }
    }
    let quarantined = false;
    for (const reading of fresh) {
      const verdict = checkPlausible(reading, meter, message.attested);
      if (verdict !== undefined) {
        quarantined = true;
        rejections.reject(verdict.reason, meter.id, `${verdict.detail} (quarantined)`);
      }
    }
    if (outcome.skipped > 0) {
      this.deps.metrics.seqSkipped.inc(undefined, outcome.skipped);
      this.deps.logger.info({ meter: meter.id, skipped: outcome.skipped, seq: fresh[0]!.seq }, 'sequence numbers skipped; hash chain intact');
    }
    this.heads.set(meter.id, outcome.head);
    const freshHashes = hashes.slice(outcome.firstNew);
    fresh.forEach((r, i) => this.uncommitted.set(`${meter.id}/${r.seq}`, freshHashes[i]!));
    this.group.push({
      entry: {
        meterId: meter.id,
        role: meter.role,
        cose: message.cose,
        readings: fresh.map((r, i) => ({ seq: r.seq, hash: freshHashes[i]!, intervalStart: r.intervalStart, intervalLength: r.intervalLength })),
        quarantined,
        receivedMs: this.deps.now(),
      },
      receivedAt: message.receivedAt,
      lastSeq: outcome.head.seq,
    });
    this.groupMeters.add(meter.id);
    this.stagedReadings += fresh.length;
    this.scheduleCommit();
    return true;
  }

  private scheduleCommit(): void {
    if (this.stagedReadings >= this.deps.config.commitMaxReadings || this.deps.config.commitDelayMs === 0) {
      this.commitImmediate ??= setImmediate(() => this.commit());
    } else {
      this.commitTimer ??= setTimeout(() => this.commit(), this.deps.config.commitDelayMs);
    }
  }

  /** Writes the staged group in one durable transaction, then acknowledges its meters. */
  private commit(): void {
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    if (this.commitImmediate !== undefined) clearImmediate(this.commitImmediate);
    this.commitTimer = undefined;
    this.commitImmediate = undefined;
    const group = this.group;
    if (group.length === 0) return;
    this.group = [];
    const meters = new Set(this.groupMeters);
    const reack = new Set(this.reack);
    this.groupMeters.clear();
    this.reack.clear();
    let readings = 0;
    for (const s of group) readings += s.entry.readings.length;
    this.stagedReadings -= readings;
    this.inFlight -= group.length;
    for (const s of group) for (const r of s.entry.readings) this.uncommitted.delete(`${s.entry.meterId}/${r.seq}`);
    const started = performance.now();
    try {
      this.deps.journal.append(group.map((s) => s.entry));
    } catch (error) {
      this.commitFailed(group, meters, error as Error);
      return;
    }
    const done = performance.now();
    const { metrics } = this.deps;
    metrics.journalCommit.observe((done - started) / 1000);
    for (const s of group) {
      const previous = this.durable.get(s.entry.meterId) ?? -1;
      if (s.lastSeq > previous) this.durable.set(s.entry.meterId, s.lastSeq);
      if (!s.entry.quarantined) metrics.readingsAccepted.inc(undefined, s.entry.readings.length);
    }
    for (const meterId of new Set([...meters, ...reack])) {
      const meter = this.deps.registry.get(meterId);
      const seq = meter === undefined ? (this.durable.get(meterId) ?? -1) : this.ackValue(meter);
      if (seq >= 0) this.ack(meterId, seq);
    }
    const acked = performance.now();
    for (const s of group) metrics.ingestLatency.observe((acked - s.receivedAt) / 1000);
    this.deps.onCommitted();
    this.checkIdle();
  }

  private commitFailed(group: Staged[], meters: Set<string>, error: Error): void {
    this.deps.metrics.journalErrors.inc();
    this.deps.logger.error({ err: error, messages: group.length }, error instanceof JournalError ? error.message : `journal write failed: ${error.message}`);
    for (const meterId of meters) {
      const head = this.deps.journal.head(meterId);
      if (head === undefined) this.heads.delete(meterId);
      else this.heads.set(meterId, head);
    }
    for (const s of group) this.deps.rejections.reject(RejectReason.INTERNAL, s.entry.meterId, 'journal write failed; not acknowledged, the meter will resend');
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.inFlight > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when every message submitted so far is journaled (and acknowledged) or rejected. */
  flush(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    if (this.batch.length > 0) this.dispatch();
    if (this.group.length > 0) this.scheduleCommit();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new messages and finishes those in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    if (this.commitImmediate !== undefined) clearImmediate(this.commitImmediate);
  }
}

/** True when the payload is one reading rather than a batch of one (whose hash is not the payload's). */
function isSingle(signed: SignedReadings): boolean {
  // A single reading's payload is a 10-element CBOR array (0x8a); a batch is an array of arrays.
  return signed.sign1.payload[0] === 0x8a && signed.sign1.payload[1] !== 0x8a;
}
