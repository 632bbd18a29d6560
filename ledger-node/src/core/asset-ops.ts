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
