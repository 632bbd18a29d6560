/**
 * Wire format between the pipeline and the verification workers: many Ed25519 checks packed
 * into one transferable buffer, so one postMessage carries a whole batch (structured clone
 * of per-job objects would cost more than the verification saves).
 *
 *   request  = u32le count, then per job: publicKey (32) | signature (64) | u32le length | message
 *   response = one byte per job: 1 valid, 0 invalid
 *
 * For COSE_Sign1 jobs the message is the Sig_structure (RFC 9052 §4.4), written straight into
 * the request by protocol's writeSigStructure instead of being encoded into a buffer of its own
 * and copied (test/job-codec.test.ts checks the frames against protocol's sigStructure).
 */
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, sigStructureLength, writeSigStructure } from '@wattledger/protocol';

export interface VerifyJob {
  readonly publicKey: Uint8Array;
  /** The exact bytes that were signed (the COSE Sig_structure). */
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
}

const FIXED = ED25519_PUBLIC_KEY_BYTES + ED25519_SIGNATURE_BYTES + 4;

/**
 * The request frame, for jobs of any shape: `length` gives a job's message length and `write`
 * puts the message at `at` (exactly that many bytes).
 */
function packFrames<J extends { readonly publicKey: Uint8Array; readonly signature: Uint8Array }>(
  jobs: readonly J[], caller: string, length: (job: J) => number, write: (job: J, out: Uint8Array, at: number) => void,
): Uint8Array {
  let size = 4;
  for (const job of jobs) {
    if (job.publicKey.length !== ED25519_PUBLIC_KEY_BYTES || job.signature.length !== ED25519_SIGNATURE_BYTES) {
      throw new RangeError(`${caller}: 32-byte public key and 64-byte signature expected`);
    }
    size += FIXED + length(job);
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, jobs.length, true);
  let offset = 4;
  for (const job of jobs) {
    const messageLength = length(job);
    out.set(job.publicKey, offset);
    out.set(job.signature, offset + ED25519_PUBLIC_KEY_BYTES);
    view.setUint32(offset + ED25519_PUBLIC_KEY_BYTES + ED25519_SIGNATURE_BYTES, messageLength, true);
    write(job, out, offset + FIXED);
    offset += FIXED + messageLength;
  }
  return out;
}

export function packJobs(jobs: readonly VerifyJob[]): Uint8Array {
  return packFrames(jobs, 'packJobs', (job) => job.message.length, (job, out, at) => out.set(job.message, at));
}

/** A COSE_Sign1 to check: the parts as received (protocol's decodeSign1). */
export interface Sign1Job {
  readonly publicKey: Uint8Array;
  readonly protectedBytes: Uint8Array;
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
}

/** Packs COSE_Sign1 checks: each job's message is its Sig_structure, written in place. */
export function packSign1Jobs(jobs: readonly Sign1Job[]): Uint8Array {
  return packFrames(jobs, 'packSign1Jobs', (job) => sigStructureLength(job.protectedBytes, job.payload), (job, out, at) => writeSigStructure(out, at, job.protectedBytes, job.payload));
}

/** Calls `visit` with views into `packed` (no copies); throws RangeError on a truncated buffer. */
export function forEachJob(packed: Uint8Array, visit: (job: VerifyJob, index: number) => void): number {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  if (packed.length < 4) throw new RangeError('verify request shorter than its header');
  const count = view.getUint32(0, true);
  let offset = 4;
  for (let i = 0; i < count; i++) {
    if (offset + FIXED > packed.length) throw new RangeError(`verify request truncated at job ${i}`);
    const length = view.getUint32(offset + ED25519_PUBLIC_KEY_BYTES + ED25519_SIGNATURE_BYTES, true);
    const end = offset + FIXED + length;
    if (end > packed.length) throw new RangeError(`verify request truncated in job ${i}`);
    visit(
      {
        publicKey: packed.subarray(offset, offset + ED25519_PUBLIC_KEY_BYTES),
        signature: packed.subarray(offset + ED25519_PUBLIC_KEY_BYTES, offset + ED25519_PUBLIC_KEY_BYTES + ED25519_SIGNATURE_BYTES),
        message: packed.subarray(offset + FIXED, end),
      },
      i,
    );
    offset = end;
  }
  if (offset !== packed.length) throw new RangeError('verify request has trailing bytes');
  return count;
}

/** Verifies every packed job with `verify`; one result byte per job. */
export function verifyPacked(packed: Uint8Array, verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean): Uint8Array {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  const results = new Uint8Array(packed.length >= 4 ? view.getUint32(0, true) : 0);
  forEachJob(packed, (job, i) => {
    results[i] = verify(job.publicKey, job.message, job.signature) ? 1 : 0;
  });
  return results;
}
