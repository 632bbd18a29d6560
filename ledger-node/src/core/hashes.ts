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

export const hashes: { sha256: Sha256 } = { sha256: nobleSha256 };
