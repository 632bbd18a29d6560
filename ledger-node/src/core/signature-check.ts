/**
 * COSE_Sign1 signature checks on the ledger's hot path (RFC 9052 §4.4): the Sig_structure
 *   [ "Signature1", body_protected, external_aad (empty), payload ]
 * (the protocol's sigStructure) written where it is needed instead of one buffer per
 * signature: straight into the verify pool's frame for its workers, or into one reused
 * buffer for the state machine's check, which a pool that has checked it already answers
 * without the bytes.
 */
import type { Sign1, Verifier } from '@wattledger/protocol';
import { CborWriter } from './cbor-writer.js';

const EMPTY = new Uint8Array(0);

/**
 * Appends the Sig_structure of RFC 9052 §4.4 (the protocol's sigStructure's bytes)
 *   [ "Signature1", body_protected, external_aad (empty), payload ]
 * so that the verify pool writes it straight into the buffer it sends its workers.
 */
export function writeToBeSigned(w: CborWriter, sign1: Sign1): void {
  w.raw(SIG_STRUCTURE_HEAD).bytes(sign1.protectedBytes).bytes(EMPTY).bytes(sign1.payload);
}

/** The array head and "Signature1", the same 12 bytes before every Sig_structure's fields. */
const SIG_STRUCTURE_HEAD = new CborWriter(12).array(4).text('Signature1').slice(0, 12);

/**
 * A Verifier that may have checked a signature already (the node's verify pool): `known`
 * answers for a signature it was given under exactly this key, undefined for anything else.
 */
export interface PrecheckedVerifier extends Verifier {
  known?(publicKey: Uint8Array, signature: Uint8Array): boolean | undefined;
}

/**
 * verifySign1 of the protocol through `verifier`: its recorded answer if it has one, else a
 * check over the Sig_structure (written only then).
 */
export function verifySign1With(verifier: PrecheckedVerifier, publicKey: Uint8Array, sign1: Sign1): boolean {
  return verifier.known?.(publicKey, sign1.signature) ?? verifier.verify(publicKey, toBeSignedView(sign1), sign1.signature);
}

const scratch = new CborWriter(1024);

/**
 * The Sig_structure in one reused buffer: valid until the next call, for a Verifier, which
 * reads its message synchronously and keeps nothing. No buffer per signature for the
 * garbage collector (an ArrayBuffer each, two per transaction).
 */
export function toBeSignedView(sign1: Sign1): Uint8Array {
  scratch.position = 0;
  writeToBeSigned(scratch, sign1);
  return scratch.view8();
}
