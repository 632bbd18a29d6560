/**
 * Ed25519 verification spread over worker threads (DESIGN §6/§7: node:crypto, all cores).
 * The node collects the signatures of an ordered batch whose keys it already knows, verifies
 * them in parallel, and hands the state machine a Verifier that answers from those results
 * (falling back to verifying inline for anything it was not asked about). The state machine
 * stays the judge: it calls the Verifier for every signature, in order.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { equalBytes, type Sign1 } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { CborWriter } from '../core/cbor-writer.js';
import { writeToBeSigned, type PrecheckedVerifier } from '../core/signature-check.js';

/** One COSE_Sign1 signature to check under `publicKey` (over its Sig_structure). */
export interface VerifyJob {
  readonly publicKey: Uint8Array;
  readonly sign1: Sign1;
}

/** Per job: u32 message length, u32 key slot, 32-byte key, 64-byte signature (then the message). */
const JOB_HEAD_BYTES = 104;
/** Key slots of the workers' KeyObject caches (a slot holding another key is simply replaced). */
const KEY_SLOTS = 1 << 16;

/** Jobs below this count are verified inline: a worker round trip costs more. */
const INLINE_BELOW = 32;

export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, (results: Uint8Array) => void>();
  private readonly owner = new Map<number, Worker>();
  private nextId = 0;
  private next = 0;
  private readonly frame = new CborWriter(1 << 20);
  /** Each public key (by array, as held in the state) gets a slot in the workers' KeyObject caches. */
  private readonly keySlots = new WeakMap<Uint8Array, number>();
  private nextKeySlot = 0;

  constructor(size: number = Math.max(1, availableParallelism())) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./verify-worker.mjs', import.meta.url));
      worker.on('message', ({ id, results }: { id: number; results: Uint8Array }) => {
        this.pending.get(id)?.(results);
        this.pending.delete(id);
        // Idle workers must not keep the process alive; busy ones must.
        if (![...this.pending.keys()].some((k) => this.owner.get(k) === worker)) worker.unref();
        this.owner.delete(id);
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Verifies all jobs; resolves with a Verifier answering for exactly these signatures. */
  async verify(jobs: readonly VerifyJob[]): Promise<PrecheckedVerifier> {
    const known = new Map<Uint8Array, { publicKey: Uint8Array; ok: boolean }>();
    if (jobs.length >= INLINE_BELOW && this.workers.length > 0) {
      const parts = this.workers.length;
      const per = Math.ceil(jobs.length / parts);
      const chunks: Array<Promise<Uint8Array>> = [];
      for (let start = 0; start < jobs.length; start += per) chunks.push(this.run(jobs.slice(start, start + per)));
      const results = await Promise.all(chunks);
      let i = 0;
      for (const chunk of results) for (const ok of chunk) {
        const job = jobs[i++]!;
        known.set(job.sign1.signature, { publicKey: job.publicKey, ok: ok === 1 });
      }
    }
    const answer = (publicKey: Uint8Array, signature: Uint8Array): boolean | undefined => {
      const hit = known.get(signature);
      return hit !== undefined && equalBytes(hit.publicKey, publicKey) ? hit.ok : undefined;
    };
    return {
      known: answer,
      verify(publicKey, message, signature) {
        return answer(publicKey, signature) ?? nodeEd25519.verify(publicKey, message, signature);
      },
    };
  }

  /** Packs the jobs for a worker (format in verify-worker.mjs), each Sig_structure written in place. */
  private run(jobs: readonly VerifyJob[]): Promise<Uint8Array> {
    const w = this.frame;
    w.position = 0;
    for (const { publicKey, sign1 } of jobs) {
      if (publicKey.length !== 32 || sign1.signature.length !== 64) throw new RangeError('verify job: 32-byte key and 64-byte signature expected');
      const at = w.skip4();
      const slot = w.skip4();
      w.patchUint32(slot, this.keySlot(publicKey));
      w.raw(publicKey).raw(sign1.signature);
      writeToBeSigned(w, sign1);
      w.patchUint32(at, w.position - at - JOB_HEAD_BYTES);
    }
    const buffer = w.slice(0, w.position).buffer as ArrayBuffer;
    const id = this.nextId++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.owner.set(id, worker);
      worker.ref();
      worker.postMessage({ id, buffer, count: jobs.length }, [buffer]);
    });
  }

  private keySlot(publicKey: Uint8Array): number {
    let slot = this.keySlots.get(publicKey);
    if (slot === undefined) {
      slot = this.nextKeySlot;
      this.nextKeySlot = (slot + 1) % KEY_SLOTS;
      this.keySlots.set(publicKey, slot);
    }
    return slot;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
