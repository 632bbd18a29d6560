/**
 * Asset ids (DESIGN §7): a root asset is a whole producer reading, id = the reading hash.
 * A piece is the Wh range [offset, offset + wh) of its root:
 *   id = SHA-256( root (32 bytes) || offset (u32 BE) || wh (u32 BE) ), hex
 * Ranges of one root never repeat (children are strict, disjoint sub-ranges), so ids are
 * unique, stable across nodes, and the lineage of any piece is its root.
 */
import { hashes } from './hashes.js';

const input = new Uint8Array(40);
const view = new DataView(input.buffer);
const hexOut = new Uint8Array(64);
const DIGITS = new TextEncoder().encode('0123456789abcdef');
const ascii = new TextDecoder('latin1');

function hexValue(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

export function pieceId(root: string, offset: number, wh: number): string {
  if (wh <= 0) throw new RangeError('pieceId: empty range');
  if (root.length !== 64) throw new RangeError('pieceId: root must be 64 hex digits');
  for (let i = 0; i < 32; i++) input[i] = (hexValue(root.charCodeAt(2 * i)) << 4) | hexValue(root.charCodeAt(2 * i + 1));
  view.setUint32(32, offset);
  view.setUint32(36, wh);
  if (hashes.sha256Hex !== undefined) return hashes.sha256Hex(input);
  const digest = hashes.sha256(input);
  for (let i = 0; i < 32; i++) {
    hexOut[2 * i] = DIGITS[digest[i]! >> 4]!;
    hexOut[2 * i + 1] = DIGITS[digest[i]! & 15]!;
  }
  return ascii.decode(hexOut);
}

/** The id of the range; the whole reading keeps the root id. */
export function assetIdOf(root: string, offset: number, wh: number, rootWh: number): string {
  return offset === 0 && wh === rootWh ? root : pieceId(root, offset, wh);
}
