/**
 * The verify pool (src/node/verify-pool.ts + verify-worker.mjs): signatures checked on worker
 * threads over the Sig_structure the pool writes itself, answers matched by signature and key,
 * keys cached per slot in the workers; anything the pool was not asked about verified inline.
 */
import t from 'tap';
import { createSign1, decodeSign1, nobleEd25519, sigStructure } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { VerifyPool, type VerifyJob } from '../src/node/verify-pool.js';
import { verifySign1With } from '../src/core/signature-check.js';

const signers = Array.from({ length: 5 }, (_, i) => nodeEd25519.signer(new Uint8Array(32).fill(i + 1)));

function job(i: number, options: { tamper?: boolean; wrongKey?: boolean } = {}): VerifyJob {
  const signer = signers[i % signers.length]!;
  const payload = new Uint8Array(40 + ((i * 37) % 400)).fill(i & 255);
  const bytes = createSign1({ payload, signer, kid: new Uint8Array([i]) });
  if (options.tamper) bytes[bytes.length - 70] = bytes[bytes.length - 70]! ^ 1; // a payload byte
  const publicKey = options.wrongKey ? signers[(i + 1) % signers.length]!.publicKey : signer.publicKey.slice();
  return { publicKey, sign1: decodeSign1(bytes) };
}

t.test('a batch above the inline threshold: every answer right, keys in fresh arrays included', async (t) => {
  const pool = new VerifyPool(2);
  t.teardown(() => pool.close());
  const jobs = Array.from({ length: 100 }, (_, i) => job(i, { tamper: i % 7 === 3, wrongKey: i % 11 === 5 }));
  const verifier = await pool.verify(jobs);
  jobs.forEach((j, i) => {
    const expected = i % 7 !== 3 && i % 11 !== 5;
    const message = sigStructure(j.sign1.protectedBytes, j.sign1.payload);
    t.equal(nobleEd25519.verify(j.publicKey, message, j.sign1.signature), expected, `job ${i}: reference`);
    t.equal(verifier.verify(j.publicKey, message, j.sign1.signature), expected, `job ${i}: pool`);
  });
  // Asked with another key than the job's: not a known answer, verified inline (and false).
  const j0 = jobs[0]!;
  t.equal(verifier.verify(signers[4]!.publicKey, sigStructure(j0.sign1.protectedBytes, j0.sign1.payload), j0.sign1.signature), false);
  // What the state machine calls: the recorded answer, no Sig_structure written.
  t.same(jobs.map((j) => verifier.known!(j.publicKey, j.sign1.signature)), jobs.map((_, i) => i % 7 !== 3 && i % 11 !== 5));
  t.same(jobs.map((j) => verifySign1With(verifier, j.publicKey, j.sign1)), jobs.map((_, i) => i % 7 !== 3 && i % 11 !== 5));
  t.equal(verifier.known!(signers[4]!.publicKey, j0.sign1.signature), undefined, 'another key: no recorded answer');
  t.equal(verifier.known!(j0.publicKey, new Uint8Array(64)), undefined, 'a signature it was not given');
  // A verifier without recorded answers checks over the Sig_structure.
  t.same(jobs.slice(0, 12).map((j) => verifySign1With(nodeEd25519, j.publicKey, j.sign1)), jobs.slice(0, 12).map((_, i) => i % 7 !== 3 && i % 11 !== 5));
  // A second batch reuses the workers' cached keys.
  const again = Array.from({ length: 40 }, (_, i) => job(i + 1000));
  const second = await pool.verify(again);
  for (const j of again) t.ok(second.verify(j.publicKey, sigStructure(j.sign1.protectedBytes, j.sign1.payload), j.sign1.signature));
});

t.test('below the threshold everything is verified inline', async (t) => {
  const pool = new VerifyPool(1);
  t.teardown(() => pool.close());
  const jobs = [job(1), job(2, { tamper: true })];
  const verifier = await pool.verify(jobs);
  t.same(jobs.map((j) => verifier.verify(j.publicKey, sigStructure(j.sign1.protectedBytes, j.sign1.payload), j.sign1.signature)), [true, false]);
});
