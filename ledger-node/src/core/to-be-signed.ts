/**
 * The bytes a COSE_Sign1 signature covers: Sig_structure of RFC 9052 §4.4,
 *   [ "Signature1", body_protected, external_aad (empty), payload ]
 * the same bytes as the protocol's sigStructure, written once per signature when a
 * transaction is prepared, so that the node's verify workers and the state machine check
 * the very same buffer instead of encoding it twice.
 */
import type { Sign1 } from '@wattledger/protocol';
import { CborWriter } from './cbor-writer.js';

/** CBOR head size of a byte string of `n` bytes (RFC 8949 §3.1). */
const headBytes = (n: number): number => (n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

export function toBeSigned(sign1: Sign1): Uint8Array {
  const { protectedBytes, payload } = sign1;
  const size = 1 + 11 + headBytes(protectedBytes.length) + protectedBytes.length + 1 + headBytes(payload.length) + payload.length;
  const w = new CborWriter(size);
  w.array(4).text('Signature1').bytes(protectedBytes).bytes(EMPTY).bytes(payload);
  return w.view8();
}

const EMPTY = new Uint8Array(0);
