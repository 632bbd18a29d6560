/**
 * Decoding of a transaction before it is applied: envelope, typed body and, for readings,
 * the meter's COSE_Sign1. Pure and independent of state, so a node can do it (and collect
 * the signatures to check) before the ordered batch reaches the state machine. Never throws
 * for bad input: the failure becomes a rejection when the transaction is applied.
 */
import { decodeSignedReadings, decodeTx, parseLedgerTx, ProtocolError, toHex, TxType, type DecodedTx, type LedgerBody, type SignedReadings } from '@wattledger/protocol';
import { hashes } from './hashes.js';
import { RejectCode } from './rejection.js';
import { toBeSigned } from './to-be-signed.js';

export interface PreparedTx {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly decoded: DecodedTx | undefined;
  readonly ledger: LedgerBody | undefined;
  /** The embedded meter readings of issue-asset and record-usage. */
  readonly readings: SignedReadings | undefined;
  readonly error: { readonly code: RejectCode; readonly message: string } | undefined;
  /** What the envelope signature covers (Sig_structure), when the envelope decoded. */
  readonly envelopeToBeSigned: Uint8Array | undefined;
  /** What the meter's signature over `readings` covers. */
  readonly readingsToBeSigned: Uint8Array | undefined;
}

export function prepareTx(bytes: Uint8Array): PreparedTx {
  let decoded: DecodedTx | undefined;
  let ledger: LedgerBody | undefined;
  try {
    decoded = decodeTx(bytes);
    ledger = parseLedgerTx(decoded);
  } catch (cause) {
    if (!(cause instanceof ProtocolError)) throw cause;
    // The protocol's txId: SHA-256 of the signed bytes, hex (decodeTx computes it when it succeeds).
    const id = decoded?.id ?? toHex(hashes.sha256(bytes));
    // Rejected before any signature check (see apply.ts): nothing to verify.
    return { id, bytes, decoded, ledger: undefined, readings: undefined, error: { code: RejectCode.BAD_TX, message: cause.message }, envelopeToBeSigned: undefined, readingsToBeSigned: undefined };
  }
  const id = decoded.id;
  const envelopeToBeSigned = toBeSigned(decoded.sign1);
  if (ledger.type !== TxType.ISSUE_ASSET && ledger.type !== TxType.RECORD_USAGE) return { id, bytes, decoded, ledger, readings: undefined, error: undefined, envelopeToBeSigned, readingsToBeSigned: undefined };
  try {
    const readings = decodeSignedReadings(ledger.body.readings);
    return { id, bytes, decoded, ledger, readings, error: undefined, envelopeToBeSigned, readingsToBeSigned: toBeSigned(readings.sign1) };
  } catch (cause) {
    if (!(cause instanceof ProtocolError)) throw cause;
    return { id, bytes, decoded, ledger, readings: undefined, error: { code: RejectCode.BAD_READING, message: `embedded reading: ${cause.message}` }, envelopeToBeSigned, readingsToBeSigned: undefined };
  }
}
