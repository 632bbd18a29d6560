/**
 * Why a message or reading was refused (DESIGN §6, §10). Every reason is a stable label of
 * the `wattledger_gateway_rejected_total` counter and of the log line; the RejectionLog logs
 * a given (meter, reason) at most once per window, so a misbehaving meter cannot flood logs.
 */
import type { Logger } from 'pino';
import type { Counter } from '../ops/prometheus.js';

export const RejectReason = Object.freeze({
  /** Payload or packet above mqtt.maxPayloadBytes. */
  TOO_LARGE: 'too_large',
  /** Topic outside wl/v1/meters/{id}/{channel}. */
  BAD_TOPIC: 'bad_topic',
  /** A meter published or subscribed outside its own topics (embedded broker). */
  ACL_DENIED: 'acl_denied',
  /** CONNECT with a wrong or missing credential, or a client id other than the meter id. */
  AUTH_FAILED: 'auth_failed',
  /** The signed reading names another meter than the topic it came on. */
  TOPIC_MISMATCH: 'topic_mismatch',
  BAD_CBOR: 'bad_cbor',
  BAD_COSE: 'bad_cose',
  BAD_READING: 'bad_reading',
  /** Not registered on the ledger for this intermediary (yet). */
  UNKNOWN_METER: 'unknown_meter',
  BAD_SIGNATURE: 'bad_signature',
  /**
   * A reading made by this gateway for a meter not registered as attested by it, or a meter's
   * own reading for a gateway-attested (legacy) meter, which has no key of its own.
   */
  ATTESTATION_MISMATCH: 'attestation_mismatch',
  /** Exactly a reading already journaled: dropped, acknowledged again. */
  DUPLICATE: 'duplicate',
  /**
   * A batch that repeats readings already journaled and adds new ones. The ledger takes a batch
   * all or nothing, so it is not journaled; the meter is acknowledged and resends only the rest.
   */
  BATCH_OVERLAP: 'batch_overlap',
  /** A sequence number already used, with other content (replay of a different reading). */
  STALE_SEQ: 'stale_seq',
  /** The reading does not link to its predecessor (prevHash). */
  CHAIN_BROKEN: 'chain_broken',
  /** The predecessor has not arrived: refused until the meter resends in order. */
  CHAIN_GAP: 'chain_gap',
  FUTURE_INTERVAL: 'future_interval',
  /**
   * Energy above rated power x interval. Quarantined: journaled, acknowledged and forwarded; the
   * ledger records it as quarantined (the meter's chain advances, no energy is credited).
   */
  IMPLAUSIBLE_ENERGY: 'implausible_energy',
  /** Production method other than the registered one. Quarantined. */
  WRONG_METHOD: 'wrong_method',
  /** Flags a meter may not set (gateway-attested). Quarantined. */
  BAD_FLAGS: 'bad_flags',
  /** The pipeline is full; the meter will resend. */
  OVERLOADED: 'overloaded',
  /** A fault of the gateway itself (worker crash, journal write error); the meter will resend. */
  INTERNAL: 'internal_error',
} as const);
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

export interface RejectionLogOptions {
  readonly counter: Counter;
  readonly logger: Logger;
  /** Log a given (meter, reason) at most once per this many ms. */
  readonly windowMs?: number;
  /** Distinct (meter, reason) pairs remembered; the oldest are forgotten first. */
  readonly maxKeys?: number;
  readonly now?: () => number;
}

export class RejectionLog {
  private readonly counter: Counter;
  private readonly logger: Logger;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(options: RejectionLogOptions) {
    this.counter = options.counter;
    this.logger = options.logger;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Counts `count` rejections for `reason` and logs the first of a window. */
  reject(reason: RejectReason, meterId: string | undefined, detail: string, count = 1): void {
    this.counter.inc({ reason }, count);
    const key = `${meterId ?? '-'}/${reason}`;
    const now = this.now();
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.at < this.windowMs) {
      seen.suppressed += count;
      return;
    }
    if (seen === undefined && this.last.size >= this.maxKeys) this.last.delete(this.last.keys().next().value as string);
    this.last.delete(key);
    this.last.set(key, { at: now, suppressed: 0 });
    const level = reason === RejectReason.DUPLICATE ? 'debug' : reason === RejectReason.INTERNAL ? 'error' : 'warn';
    this.logger[level]({ meter: meterId, reason, suppressed: seen?.suppressed ?? 0 }, `rejected: ${detail}`);
  }
}
