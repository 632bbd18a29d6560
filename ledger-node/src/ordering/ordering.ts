/**
 * The ordering seam of DESIGN §7: something that puts transactions into one total order that
 * every ledger node applies identically. Adapters: the embedded single-node sequencer
 * (SQLite, `embedded-sequencer.ts`) and an etcd cluster (revision order is the total order).
 * Never home-made consensus. Every adapter passes `test/ordering-contract.ts`.
 *
 * Contract:
 * - `submit(txs)` resolves once the batch is durably ordered (it survives kill -9 of this
 *   process); its txs stay together, in the order given, as one `OrderedBatch`.
 * - Positions are integers > 0, strictly increasing in the order batches are delivered; they
 *   need not be contiguous (etcd revisions are not). Position 0 means "before everything".
 * - `subscribe(after, onBatch)` delivers every batch with position > `after`, first the
 *   stored ones (replay), then live ones, each exactly once and in order. A callback that
 *   returns a promise holds back the next batch until it settles. If it rejects, delivery to
 *   that subscriber stops and `onError` (if any) receives the error. The returned function
 *   unsubscribes; no batch is delivered after it returns.
 * - Bytes are delivered exactly as submitted; a caller must not mutate an array after
 *   submitting it (an adapter may hand the same array to live subscribers).
 * - `close()` waits for in-flight submits, stops every subscription, releases resources;
 *   `submit` after `close` rejects with OrderingClosedError.
 */
import { CodedError } from '@wattledger/protocol';

export interface OrderedBatch {
  /** Strictly increasing total order over all batches of this ordering. */
  readonly position: number;
  readonly txs: readonly Uint8Array[];
}

export type BatchHandler = (batch: OrderedBatch) => Promise<void> | void;

export interface Ordering {
  /** Resolves once `txs` are durably ordered, with the position of their batch. */
  submit(txs: readonly Uint8Array[]): Promise<{ position: number }>;
  /** Replay then live, in order; returns the unsubscribe function. */
  subscribe(afterPosition: number, onBatch: BatchHandler, onError?: (error: unknown) => void): () => void;
  close(): Promise<void>;
}

export const OrderingErrorCode = Object.freeze({
  ORDERING_CLOSED: 'ORDERING_CLOSED',
  ORDERING_FAILED: 'ORDERING_FAILED',
} as const);
export type OrderingErrorCode = (typeof OrderingErrorCode)[keyof typeof OrderingErrorCode];

export class OrderingError extends CodedError<OrderingErrorCode> {}

/** `submit` or `subscribe` on an ordering that was closed. */
export class OrderingClosedError extends OrderingError {
  constructor(message = 'the ordering is closed: open a new one to submit') {
    super(OrderingErrorCode.ORDERING_CLOSED, message);
  }
}

/** The backing store refused a write; the batch was not ordered. */
export class OrderingFailedError extends OrderingError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(OrderingErrorCode.ORDERING_FAILED, message, options);
  }
}

/** Argument checks shared by adapters: a non-empty array of non-empty byte strings. */
export function checkSubmission(txs: readonly Uint8Array[]): void {
  if (!Array.isArray(txs)) throw new TypeError('submit: array of transactions expected');
  if (txs.length === 0) throw new RangeError('submit: at least one transaction');
  for (const tx of txs) {
    if (!(tx instanceof Uint8Array)) throw new TypeError('submit: every transaction must be a Uint8Array');
    if (tx.length === 0) throw new RangeError('submit: empty transaction bytes');
  }
}

export function checkPosition(afterPosition: number): void {
  if (!Number.isSafeInteger(afterPosition) || afterPosition < 0) throw new RangeError(`subscribe: position must be a non-negative integer, got ${String(afterPosition)}`);
}
