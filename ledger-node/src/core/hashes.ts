/**
 * SHA-256 (FIPS 180-4) as an injected primitive, the way noble's `ed.hashes.sha512` is: every
 * hash of the core (transaction ids, reading hashes, piece ids, Merkle trees, roots, block
 * hashes) goes through `hashes.sha256`. The default is @noble/hashes (portable, runs on XS);
 * a host may install a faster implementation of the same function (the node shell installs
 * node:crypto's). Any implementation gives the same digest, so roots never depend on the
 * choice (test/hashes.test.ts replays one log with each and compares every block).
 */
import { sha256 as nobleSha256 } from '@wattledger/protocol';

export type Sha256 = (bytes: Uint8Array) => Uint8Array;

/** RFC 6962 leaf hashes, H(0x00 || entry), packed (32 bytes each), and the tree's root. */
export interface LeafHashes {
  readonly leaves: Uint8Array;
  readonly root: Uint8Array;
}

/** Leaf hashing under way; `wait` gives its result. */
export interface LeafJob {
  wait(): LeafHashes;
}

/**
 * Hashes `count` entries packed back to back in `entries` (entry i ends at `ends[i]`). The
 * call may return before the work is done (a host can hash on another thread while the block
 * goes on, see src/node/leaf-hasher.ts), so it must not keep `entries` or `ends`: the caller
 * reuses them once `wait` has returned.
 */
export type LeafHasher = (entries: Uint8Array, ends: Uint32Array, count: number) => LeafJob;

/** The same digest as lower-case hex (piece ids), where a host has a direct way to it. */
export type Sha256Hex = (bytes: Uint8Array) => string;

/**
 * `sha256Hex` undefined: hex of `sha256`. `merkleLeaves` undefined: the core hashes leaves
 * itself, with `sha256`, on this thread.
 */
export const hashes: { sha256: Sha256; sha256Hex: Sha256Hex | undefined; merkleLeaves: LeafHasher | undefined } = { sha256: nobleSha256, sha256Hex: undefined, merkleLeaves: undefined };
