/**
 * The SHA-256 the node shell installs in the core's and the protocol's slots (`hashes.sha256`,
 * `hashes.sha256Hex`, `setSha256`): protocol's nodeSha256 on node:crypto's one-shot `hash`
 * (~0.25 us for 64 bytes, ~0.5 us for a 420-byte transaction). On Node releases without
 * `hash` (before 20.12) nodeSha256 takes createHash: the same digest, slower.
 */
import { NODE_ONE_SHOT_SHA256, nodeSha256, nodeSha256Hex } from '@wattledger/protocol/node';

export const hostSha256: (bytes: Uint8Array) => Uint8Array = nodeSha256;

/** hostSha256 as lower-case hex, where node:crypto gives it directly; else the core makes the hex. */
export const hostSha256Hex: ((bytes: Uint8Array) => string) | undefined = NODE_ONE_SHOT_SHA256 ? nodeSha256Hex : undefined;
