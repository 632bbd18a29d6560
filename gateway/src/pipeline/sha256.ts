/**
 * SHA-256 (FIPS 180-4) of one buffer on the hot path: node:crypto's one-shot `hash` (Node
 * >= 20.12) where it exists, which skips the Hash object and its stream plumbing that
 * `createHash` builds per call; protocol's nodeSha256 otherwise. Same digest either way.
 */
import * as nodeCrypto from 'node:crypto';
import { nodeSha256 } from '@wattledger/protocol/node';

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Uint8Array;

const oneShot = (nodeCrypto as { hash?: OneShotHash }).hash;

export const sha256: (bytes: Uint8Array) => Uint8Array = oneShot === undefined ? nodeSha256 : (bytes) => oneShot('sha256', bytes, 'buffer');
