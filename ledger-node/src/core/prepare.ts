/**
 * Decoding of a transaction before it is applied: envelope, typed body and, for readings,
 * the meter's COSE_Sign1. Pure and independent of state, so a node can do it (and collect
 * the signatures to check) before the ordered batch reaches the state machine. Never throws
 * for bad input: the failure becomes a rejection when the transaction is applied.
 *
 * The envelope is decoded at once (its id and whether it decodes at all are needed when it
 * is submitted); the embedded readings when first asked for,
 * normally when the ordered batch is verified. A node holds thousands of submitted
 * transactions waiting to be ordered: this way they carry only their envelope, and the rest
 * lives (and dies) within its batch instead of ageing into the old generation of the heap.
 */
import { decodeSignedReadings, decodeTx, parseLedgerTx, ProtocolError, toHex, TxType, type DecodedTx, type LedgerBody, type SignedReadings } from '@wattledger/protocol';
import { hashes } from './hashes.js';
import { RejectCode } from './rejection.js';

export interface PreparedTx {
  readonly id: string;
  readonly bytes: Uint8Array;
  readonly decoded: DecodedTx | undefined;
  readonly ledger: LedgerBody | undefined;
  /** The embedded meter readings of issue-asset and record-usage. */
  readonly readings: SignedReadings | undefined;
  readonly error: { readonly code: RejectCode; readonly message: string } | undefined;
}

type TxError = PreparedTx['error'];

export function prepareTx(bytes: Uint8Array): PreparedTx {
  let decoded: DecodedTx | undefined;
  let ledger: LedgerBody;
  try {
    decoded = decodeTx(bytes);
    ledger = parseLedgerTx(decoded);
  } catch (cause) {
    if (!(cause instanceof ProtocolError)) throw cause;
    // The protocol's txId: SHA-256 of the signed bytes, hex (decodeTx computes it when it succeeds).
    const id = decoded?.id ?? toHex(hashes.sha256(bytes));
    // Rejected before any signature check (see apply.ts): nothing to verify.
    return { id, bytes, decoded, ledger: undefined, readings: undefined, error: { code: RejectCode.BAD_TX, message: cause.message } };
  }
  return new DecodedEnvelope(bytes, decoded, ledger);
}

/** A transaction whose envelope and body decoded; its readings on first use. */
class DecodedEnvelope implements PreparedTx {
  readonly id: string;
  private signedReadings: SignedReadings | undefined;
  private readingsError: TxError;
  private readingsDone = false;

  constructor(
    readonly bytes: Uint8Array,
    readonly decoded: DecodedTx,
    readonly ledger: LedgerBody,
  ) {
    this.id = decoded.id;
  }

  get readings(): SignedReadings | undefined {
    if (!this.readingsDone) this.decodeReadings();
    return this.signedReadings;
  }

  get error(): TxError {
    if (!this.readingsDone) this.decodeReadings();
    return this.readingsError;
  }

  private decodeReadings(): void {
    this.readingsDone = true;
    const ledger = this.ledger;
    if (ledger.type !== TxType.ISSUE_ASSET && ledger.type !== TxType.RECORD_USAGE) return;
    try {
      this.signedReadings = decodeSignedReadings(ledger.body.readings);
    } catch (cause) {
      if (!(cause instanceof ProtocolError)) throw cause;
      this.readingsError = { code: RejectCode.BAD_READING, message: `embedded reading: ${cause.message}` };
    }
  }
}
