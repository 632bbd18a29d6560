/** SHA-256 on node:crypto, for hot paths on the gateway and ledger (same digest as `sha256`). */
import { createHash } from 'node:crypto';

export function nodeSha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}
