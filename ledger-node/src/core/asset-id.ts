/**
 * Asset ids (DESIGN §7): a root asset is a whole producer reading, id = the reading hash.
 * A piece is the Wh range [offset, offset + wh) of its root:
 *   id = SHA-256( root (32 bytes) || offset (u32 BE) || wh (u32 BE) ), hex
 * Ranges of one root never repeat (children are strict, disjoint sub-ranges), so ids are
 * unique, stable across nodes, and the lineage of any piece is its root.
 */
import { fromHex, sha256, toHex } from '@wattledger/protocol';

export function pieceId(root: string, offset: number, wh: number): string {
  if (offset === 0 && wh === 0) throw new RangeError('pieceId: empty range');
  const input = new Uint8Array(40);
  input.set(fromHex(root), 0);
  const view = new DataView(input.buffer);
  view.setUint32(32, offset);
  view.setUint32(36, wh);
  return toHex(sha256(input));
}

/** The id of the range; the whole reading keeps the root id. */
export function assetIdOf(root: string, offset: number, wh: number, rootWh: number): string {
  return offset === 0 && wh === rootWh ? root : pieceId(root, offset, wh);
}
