/**
 * Bodies of issue-asset and record-usage: the meter's signed reading (COSE_Sign1, a single
 * reading or a batch) exactly as the meter sent it, never re-encoded (DESIGN §4). Signed by
 * the meter's intermediary or one of its gateways; the ledger checks the meter's signature
 * against its registry, the hash chain and the sequence numbers.
 */
import type { TxBody } from '../tx.js';
import { MAX_CBOR_BYTES } from '../cbor.js';
import { BodyReader, checkBuiltBody } from './body-reader.js';

export interface SignedReadingBody {
  /** COSE_Sign1 bytes of the meter's reading(s), exactly as received. */
  readonly readings: Uint8Array;
}

function parseReadingBody(body: TxBody, what: string): SignedReadingBody {
  const r: BodyReader = new BodyReader(body, what, ['readings']);
  return { readings: r.bytes('readings', undefined, MAX_CBOR_BYTES) };
}

export function parseIssueAsset(body: TxBody): SignedReadingBody {
  return parseReadingBody(body, 'issue-asset');
}

export function parseRecordUsage(body: TxBody): SignedReadingBody {
  return parseReadingBody(body, 'record-usage');
}

export function issueAssetBody(signedReadings: Uint8Array): TxBody {
  return checkBuiltBody({ readings: signedReadings }, parseIssueAsset);
}

export function recordUsageBody(signedReadings: Uint8Array): TxBody {
  return checkBuiltBody({ readings: signedReadings }, parseRecordUsage);
}
