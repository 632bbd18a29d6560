/**
 * The ledger node submits whatever transactions it collected in one turn (up to its
 * maxBatchTxs, each up to MAX_TX_BYTES), which can exceed what one etcd request carries.
 * This wrapper, used between the node and the etcd ordering, splits such a submit into
 * consecutive submits that each fit, written one after the other so the node's order is
 * kept; it resolves with the last position. The pieces may be interleaved with other
 * nodes' batches, which the node does not depend on: it answers each transaction when it
 * is applied. Submits that fit pass through unchanged.
 */
import { batchFrameSize, groupSize } from '../ordering/etcd/batch-group.js';
import type { Ordering } from '../ordering/ordering.js';

/** Room left in an etcd request for the key and the transaction envelope. */
const OVERHEAD = 1024;

export function splitLargeSubmits(ordering: Ordering, maxGroupBytes: number): Ordering {
  const limit = maxGroupBytes - OVERHEAD;
  const fits = (txs: readonly Uint8Array[]): boolean => groupSize([batchFrameSize(txs)]) <= limit;
  return {
    subscribe: (after, onBatch, onError) => ordering.subscribe(after, onBatch, onError),
    close: () => ordering.close(),
    async submit(txs) {
      if (!Array.isArray(txs) || fits(txs)) return ordering.submit(txs);
      const empty = groupSize([batchFrameSize([])]);
      const pieces: Uint8Array[][] = [];
      let piece: Uint8Array[] = [];
      let size = empty;
      for (const tx of txs) {
        if (piece.length > 0 && size + 4 + tx.length > limit) {
          pieces.push(piece);
          piece = [];
          size = empty;
        }
        piece.push(tx);
        size += 4 + tx.length;
      }
      pieces.push(piece);
      let last = { position: 0 };
      for (const p of pieces) last = await ordering.submit(p);
      return last;
    },
  };
}
