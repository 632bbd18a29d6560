/**
 * Sequence and hash-chain check of a meter's readings (DESIGN §4): each reading carries the
 * SHA-256 of its predecessor's payload, so the chain proves that no reading was dropped or
 * altered between two the gateway holds. Sequence numbers may skip (a meter that lost power
 * loses its reserved block), which is reported but accepted when the chain still links.
 * Pure: the journal lookup for already-held readings is passed in.
 */
import { equalBytes, type IntervalReading } from '@wattledger/protocol';
import { RejectReason } from './rejection.js';

export interface ChainHead {
  /** Sequence number of the latest reading held; -1 before the first one. */
  readonly seq: number;
  /** Its hash; zeros before the first reading (a freshly paired meter starts its chain at zeros). */
  readonly hash: Uint8Array;
}

export type ChainOutcome =
  /** readings[firstNew..] are new and link; `head` is the new head; `skipped` sequence numbers were jumped over. */
  | { readonly kind: 'new'; readonly firstNew: number; readonly head: ChainHead; readonly skipped: number }
  /** Every reading is one already held, byte for byte. */
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'reject'; readonly reason: typeof RejectReason.STALE_SEQ | typeof RejectReason.CHAIN_BROKEN | typeof RejectReason.CHAIN_GAP; readonly detail: string };

/**
 * @param readings ascending by seq (decodeReadingPayload guarantees it)
 * @param hashes readingHash of each reading, same order
 * @param known hash of the held reading with this seq, if any (journal or uncommitted group)
 */
export function checkChain(
  head: ChainHead,
  readings: readonly IntervalReading[],
  hashes: readonly Uint8Array[],
  known: (seq: number) => Uint8Array | undefined,
): ChainOutcome {
  let current = head;
  let firstNew = -1;
  let skipped = 0;
  for (let i = 0; i < readings.length; i++) {
    const reading = readings[i]!;
    const hash = hashes[i]!;
    if (firstNew < 0 && reading.seq <= current.seq) {
      const held = known(reading.seq);
      if (held !== undefined && equalBytes(held, hash)) continue;
      return { kind: 'reject', reason: RejectReason.STALE_SEQ, detail: `seq ${reading.seq} is at or below the chain head ${current.seq} but is not the reading held for it` };
    }
    if (firstNew < 0) firstNew = i;
    if (!equalBytes(reading.prevHash, current.hash)) {
      if (i > firstNew || reading.seq === current.seq + 1) {
        return { kind: 'reject', reason: RejectReason.CHAIN_BROKEN, detail: `seq ${reading.seq} does not link to seq ${current.seq} (prevHash differs)` };
      }
      return { kind: 'reject', reason: RejectReason.CHAIN_GAP, detail: `seq ${reading.seq} does not link to the head ${current.seq}: a predecessor is missing` };
    }
    if (current.seq >= 0) skipped += reading.seq - current.seq - 1;
    current = { seq: reading.seq, hash };
  }
  if (firstNew < 0) return { kind: 'duplicate' };
  return { kind: 'new', firstNew, head: current, skipped };
}
