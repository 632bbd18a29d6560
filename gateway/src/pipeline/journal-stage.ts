/**
 * The last stage of the pipeline: hash chain and plausibility of verified messages, then the
 * group commit to the journal and the acks (DESIGN §6). A meter is acknowledged only with the
 * sequence number of its latest reading that is on disk: acks follow the commit.
 *
 * Heads advance when a message is staged (so the next message of the same meter, in the same
 * group, chains onto it) and fall back to the journal if a commit fails.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { encodeReading, ZERO_HASH, type SignedReadings } from '@wattledger/protocol';
import { nodeSha256 } from '@wattledger/protocol/node';
import type { PipelineConfig } from '../config/schema.js';
import { JournalError } from '../errors.js';
import type { Journal, JournalEntry, JournalReading } from '../journal/journal.js';
import type { GatewayMetrics } from '../ops/gateway-metrics.js';
import type { MeterRecord, MeterRegistry } from '../registry/registry.js';
import { checkChain, type ChainHead } from './chain.js';
import { checkNotFuture, checkPlausible } from './plausibility.js';
import { RejectReason, type RejectionLog } from './rejection.js';

/** A message whose signature verified under its meter's registered key. */
export interface VerifiedMessage {
  readonly meter: MeterRecord;
  readonly signed: SignedReadings;
  readonly cose: Uint8Array;
  /** performance.now() at receipt. */
  readonly receivedAt: number;
  readonly attested: boolean;
  /** See InboundReadings.onDone. */
  readonly onDone?: ((outcome: 'journaled' | 'quarantined' | RejectReason) => void) | undefined;
}

/** staged: waits for the group commit; done: refused or duplicate; gap: a predecessor is missing (not yet counted). */
export type StageResult = 'staged' | 'done' | 'gap';

/** Where group commits go: the journal writer thread (or, in tests, anything that appends durably). */
export interface GroupAppender {
  append(entries: readonly JournalEntry[]): Promise<void>;
}

export interface JournalStageDeps {
  readonly config: PipelineConfig;
  readonly registry: MeterRegistry;
  /** Read side: chain heads and held readings. */
  readonly journal: Journal;
  readonly writer: GroupAppender;
  readonly metrics: GatewayMetrics;
  readonly rejections: RejectionLog;
  readonly logger: Logger;
  readonly now: () => number;
  readonly publishAck: (meterId: string, seq: number) => void;
  /** After a commit attempt: `messages` staged messages are finished (journaled, or failed). */
  readonly onSettled: (messages: number, committed: boolean) => void;
}

/** A staged message is its own journal entry (no second object per message until the commit). */
interface Staged extends JournalEntry {
  /** Authentic and chained but implausible: forwarded all the same (the ledger quarantines it too), never counted as accepted. */
  readonly implausible: boolean;
  readonly onDone: VerifiedMessage['onDone'];
  readonly receivedAt: number;
  readonly lastSeq: number;
}

const INITIAL_HEAD: ChainHead = Object.freeze({ seq: -1, hash: ZERO_HASH });

/** A single reading's payload is a 10-element CBOR array (0x8a, then the version); a batch is an array of such arrays. */
function isSingle(signed: SignedReadings): boolean {
  return signed.readings.length === 1 && signed.sign1.payload[0] === 0x8a && signed.sign1.payload[1] !== 0x8a;
}

export class JournalStage {
  /** Chain heads including readings staged but not yet committed. */
  private readonly heads = new Map<string, ChainHead>();
  /** Highest journaled (durable) seq per meter: what acks report. */
  private readonly durable = new Map<string, number>();
  /** Hashes of staged, uncommitted readings by meter, then seq, for duplicate detection. */
  private readonly uncommitted = new Map<string, Map<number, Uint8Array>>();
  private group: Staged[] = [];
  private readonly groupMeters = new Set<string>();
  private readonly reack = new Set<string>();
  private staged = 0;
  /** Meters with a group commit in flight, and whether one is. */
  private readonly committingMeters = new Set<string>();
  private committing = false;
  private commitTimer: NodeJS.Timeout | undefined;
  private commitImmediate: NodeJS.Immediate | undefined;

  constructor(private readonly deps: JournalStageDeps) {
    for (const [meterId, head] of deps.journal.heads()) {
      this.heads.set(meterId, head);
      this.durable.set(meterId, head.seq);
    }
  }

  /** Readings staged and waiting for their group commit. */
  get stagedReadings(): number {
    return this.staged;
  }

  private headOf(meter: MeterRecord): ChainHead {
    const ledgerHead = meter.lastSeq !== undefined && meter.lastReadingHash !== undefined ? { seq: meter.lastSeq, hash: meter.lastReadingHash } : undefined;
    const local = this.heads.get(meter.id);
    // Another gateway of the same fleet (shared subscription) may have put later readings on the ledger.
    const head = local === undefined || (ledgerHead !== undefined && ledgerHead.seq > local.seq) ? (ledgerHead ?? INITIAL_HEAD) : local;
    if (head !== local) this.heads.set(meter.id, head);
    return head;
  }

  private ackValue(meter: MeterRecord | undefined, meterId: string): number {
    return Math.max(this.durable.get(meterId) ?? -1, meter?.lastSeq ?? -1);
  }

  private ack(meterId: string, seq: number): void {
    if (seq < 0) return;
    this.deps.metrics.acksPublished.inc();
    this.deps.publishAck(meterId, seq);
  }

  /** Acknowledges again (duplicates, replays): after the pending commit if the meter has one, else now. */
  private reacknowledge(meter: MeterRecord): void {
    if (this.groupMeters.has(meter.id) || this.committingMeters.has(meter.id)) this.reack.add(meter.id);
    else this.ack(meter.id, this.ackValue(meter, meter.id));
  }

  /** Chain and plausibility of a verified message. `lastChance`: count a gap as a rejection instead of returning 'gap'. */
  stage(message: VerifiedMessage, lastChance: boolean): StageResult {
    const { meter, signed } = message;
    const readings = signed.readings;
    // readingHash is SHA-256 of the reading's payload bytes; decodeReadingPayload guarantees they are canonical.
    const hashes = isSingle(signed) ? [nodeSha256(signed.sign1.payload)] : readings.map((r) => nodeSha256(encodeReading(r)));
    const staged = this.uncommitted.get(meter.id);
    const outcome = checkChain(this.headOf(meter), readings, hashes, (seq) => staged?.get(seq) ?? this.deps.journal.readingHash(meter.id, seq));
    if (outcome.kind === 'duplicate') {
      this.reacknowledge(meter);
      return this.refuse(message, RejectReason.DUPLICATE, `seq ${readings[0]!.seq}..${readings[readings.length - 1]!.seq} already journaled`, readings.length);
    }
    if (outcome.kind === 'reject') {
      if (outcome.reason === RejectReason.CHAIN_GAP && !lastChance) return 'gap';
      if (outcome.reason === RejectReason.STALE_SEQ) this.reacknowledge(meter);
      return this.refuse(message, outcome.reason, outcome.detail);
    }
    if (outcome.firstNew > 0) {
      this.reacknowledge(meter);
      return this.refuse(message, RejectReason.BATCH_OVERLAP, `batch ${readings[0]!.seq}..${readings[readings.length - 1]!.seq} repeats readings up to ${readings[outcome.firstNew - 1]!.seq}`);
    }
    const nowMs = this.deps.now();
    const nowS = Math.floor(nowMs / 1000);
    for (const reading of readings) {
      const future = checkNotFuture(reading, nowS, this.deps.config.maxFutureSkewS);
      if (future !== undefined) return this.refuse(message, future.reason, future.detail);
    }
    let implausible = false;
    for (const reading of readings) {
      const verdict = checkPlausible(reading, meter, message.attested);
      if (verdict !== undefined) {
        implausible = true;
        this.deps.rejections.reject(verdict.reason, meter.id, `${verdict.detail} (quarantined: forwarded so the chain continues, no energy credited)`);
      }
    }
    if (outcome.skipped > 0) {
      this.deps.metrics.seqSkipped.inc(undefined, outcome.skipped);
      this.deps.logger.info({ meter: meter.id, skipped: outcome.skipped, seq: readings[0]!.seq }, 'sequence numbers skipped; hash chain intact');
    }
    this.heads.set(meter.id, outcome.head);
    let held = staged;
    if (held === undefined) this.uncommitted.set(meter.id, (held = new Map()));
    const entryReadings: JournalReading[] = [];
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i]!;
      held.set(r.seq, hashes[i]!);
      entryReadings.push({ seq: r.seq, hash: hashes[i]!, intervalStart: r.intervalStart, intervalLength: r.intervalLength });
    }
    this.group.push({
      meterId: meter.id,
      role: meter.role,
      cose: message.cose,
      readings: entryReadings,
      // Forwarded like any other: the ledger applies the same rule (protocol checkReadingPlausible),
      // records the reading as quarantined and advances the meter's chain without crediting energy.
      quarantined: false,
      receivedMs: nowMs,
      implausible,
      receivedAt: message.receivedAt,
      lastSeq: outcome.head.seq,
      onDone: message.onDone,
    });
    this.groupMeters.add(meter.id);
    this.staged += readings.length;
    this.scheduleCommit();
    return 'staged';
  }

  private refuse(message: VerifiedMessage, reason: RejectReason, detail: string, count = 1): StageResult {
    this.deps.rejections.reject(reason, message.meter.id, detail, count);
    message.onDone?.(reason);
    return 'done';
  }

  private scheduleCommit(): void {
    const { commitMaxReadings, commitDelayMs } = this.deps.config;
    if (this.staged >= commitMaxReadings || commitDelayMs === 0) this.commitImmediate ??= setImmediate(() => this.commit());
    else this.commitTimer ??= setTimeout(() => this.commit(), commitDelayMs);
  }

  /** Commits what is staged now rather than after the group delay. */
  commitSoon(): void {
    if (this.group.length > 0) this.commitImmediate ??= setImmediate(() => this.commit());
  }

  /**
   * Sends the staged group to the journal writer as one durable transaction, and acknowledges
   * its meters when it is on disk. One commit is in flight at a time; what is staged meanwhile
   * forms the next group, so groups grow with the disk's fsync latency.
   */
  commit(): void {
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    if (this.commitImmediate !== undefined) clearImmediate(this.commitImmediate);
    this.commitTimer = undefined;
    this.commitImmediate = undefined;
    if (this.committing || this.group.length === 0) return;
    const group = this.group;
    this.group = [];
    for (const meterId of this.groupMeters) this.committingMeters.add(meterId);
    this.groupMeters.clear();
    this.committing = true;
    const started = performance.now();
    this.deps.writer
      .append(group)
      .then(
        () => this.committed(group, started),
        (error: Error) => this.commitFailed(group, error),
      )
      .finally(() => {
        this.committing = false;
        this.committingMeters.clear();
        if (this.group.length > 0) this.commit();
      });
  }

  private release(group: readonly Staged[]): void {
    for (const s of group) {
      this.staged -= s.readings.length;
      const held = this.uncommitted.get(s.meterId);
      if (held === undefined) continue;
      for (const r of s.readings) held.delete(r.seq);
      if (held.size === 0) this.uncommitted.delete(s.meterId);
    }
  }

  private committed(group: readonly Staged[], started: number): void {
    const { metrics } = this.deps;
    metrics.journalCommit.observe((performance.now() - started) / 1000);
    this.release(group);
    for (const s of group) {
      if (s.lastSeq > (this.durable.get(s.meterId) ?? -1)) this.durable.set(s.meterId, s.lastSeq);
      if (!s.implausible) metrics.readingsAccepted.inc(undefined, s.readings.length);
    }
    const meters = new Set([...this.committingMeters, ...this.reack]);
    this.reack.clear();
    for (const meterId of meters) this.ack(meterId, this.ackValue(this.deps.registry.get(meterId), meterId));
    const acked = performance.now();
    for (const s of group) {
      metrics.ingestLatency.observe((acked - s.receivedAt) / 1000);
      s.onDone?.(s.implausible ? 'quarantined' : 'journaled');
    }
    this.deps.onSettled(group.length, true);
  }

  private commitFailed(failed: readonly Staged[], error: Error): void {
    this.deps.metrics.journalErrors.inc();
    this.deps.logger.error({ err: error.message, messages: failed.length }, error instanceof JournalError ? error.message : `journal write failed: ${error.message}`);
    // Messages staged meanwhile by the same meters chain onto the failed ones: they fail too (the meters resend).
    const meters = new Set(failed.map((s) => s.meterId));
    const group = [...failed, ...this.group.filter((s) => meters.has(s.meterId))];
    this.group = this.group.filter((s) => !meters.has(s.meterId));
    for (const meterId of meters) this.groupMeters.delete(meterId);
    this.release(group);
    // The transaction may have committed before a writer crash: the journal says what is durable.
    for (const meterId of meters) {
      const head = this.deps.journal.head(meterId);
      if (head === undefined) this.heads.delete(meterId);
      else {
        this.heads.set(meterId, head);
        this.durable.set(meterId, head.seq);
      }
    }
    for (const s of group) {
      this.deps.rejections.reject(RejectReason.INTERNAL, s.meterId, 'journal write failed; not acknowledged, the meter will resend');
      s.onDone?.(RejectReason.INTERNAL);
    }
    this.deps.onSettled(group.length, false);
  }

  close(): void {
    if (this.commitTimer !== undefined) clearTimeout(this.commitTimer);
    if (this.commitImmediate !== undefined) clearImmediate(this.commitImmediate);
  }
}
