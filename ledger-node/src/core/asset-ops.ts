/**
 * The two ways an asset moves (DESIGN §7): split into a taken piece and a remainder, and
 * change of owner. Wh is conserved exactly: the pieces partition the parent's range. A split
 * asset is replaced by its pieces (its record is removed): its root and range, carried by
 * every piece, are its whole lineage.
 */
import { pieceId } from './asset-id.js';
import type { LedgerState } from './state.js';
import { AssetStatus, newAsset, type Asset } from './types.js';

/**
 * Splits `asset` (open) into a piece of `wh` and an open remainder that stays in the pools.
 * The piece is returned open but outside the pools: the caller moves or allocates it now.
 */
export function splitAsset(state: LedgerState, asset: Asset, wh: number): { taken: Asset; rest: Asset } {
  if (!(wh > 0 && wh < asset.wh)) throw new RangeError(`split of ${asset.wh} Wh at ${wh}`);
  state.removeAsset(asset);
  const taken = pieceOf(asset, asset.offset, wh);
  const rest = pieceOf(asset, asset.offset + wh, asset.wh - wh);
  state.putAsset(rest);
  state.putAsset(taken, true, false);
  return { taken, rest };
}

/** The open piece [offset, offset + wh) of `parent`'s root, with the parent's lineage and owner. */
function pieceOf(parent: Asset, offset: number, wh: number): Asset {
  return newAsset({
    id: pieceId(parent.root, offset, wh), root: parent.root, offset, wh, meterId: parent.meterId, producer: parent.producer, method: parent.method,
    intervalStart: parent.intervalStart, expiry: parent.expiry, sourceTx: parent.sourceTx, issuedHeight: parent.issuedHeight, owner: parent.owner,
    status: AssetStatus.OPEN, consumer: undefined, usageInterval: undefined,
  });
}

/** Takes `wh` of an open asset: the whole asset if it fits, else a split-off piece. */
export function takePiece(state: LedgerState, asset: Asset, wh: number): Asset {
  return asset.wh <= wh ? asset : splitAsset(state, asset, wh).taken;
}

/**
 * Splits deferred to the end of a close-interval, which takes piece after piece off the front
 * of the same assets: each piece is a new record at once, but the remainder stays in the
 * parent object, whose offset and Wh move up while its record keeps the old id, until
 * `settle` replaces it by one remainder record. The pieces, ids and Wh are those of
 * `takePiece`; only the remainders in between, created and removed again within the block,
 * are never made. The parent keeps its place in the pools (see AssetHeap).
 */
export class SplitBatch {
  /** Parents split in place, in order of their first split. */
  private readonly parents = new Set<Asset>();

  constructor(private readonly state: LedgerState) {}

  /** `takePiece`, deferred: the caller pops the asset from its pool when it is taken whole. */
  take(asset: Asset, wh: number): Asset {
    if (asset.wh <= wh) {
      if (!this.parents.delete(asset)) return asset;
      // The rest of a parent split in place is a piece of its own.
      const piece = pieceOf(asset, asset.offset, asset.wh);
      this.state.removeAsset(asset);
      this.state.putAsset(piece, true, false);
      return piece;
    }
    const piece = pieceOf(asset, asset.offset, wh);
    this.state.putAsset(piece, true, false);
    const front = asset as { offset: number; wh: number };
    front.offset += wh;
    front.wh -= wh;
    this.parents.add(asset);
    return piece;
  }

  /** Replaces every parent split in place by its remainder, back in the pools. */
  settle(): void {
    for (const parent of this.parents) {
      this.state.removeAsset(parent);
      this.state.putAsset(pieceOf(parent, parent.offset, parent.wh));
    }
    this.parents.clear();
  }
}
