/** The packed verify-job format between the pipeline and the workers. */
import fc from 'fast-check';
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { forEachJob, packJobs, verifyPacked, type VerifyJob } from '../src/verify/job-codec.js';

const job = fc.record({ publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }), signature: fc.uint8Array({ minLength: 64, maxLength: 64 }), message: fc.uint8Array({ maxLength: 300 }) });

t.test('property: pack then unpack gives the same jobs', async () => {
  fc.assert(
    fc.property(fc.array(job, { maxLength: 20 }), (jobs) => {
      const seen: VerifyJob[] = [];
      const count = forEachJob(packJobs(jobs), (j) => seen.push({ publicKey: j.publicKey.slice(), signature: j.signature.slice(), message: j.message.slice() }));
      return count === jobs.length && JSON.stringify(seen.map((j) => [...j.publicKey, ...j.signature, -1, ...j.message])) === JSON.stringify(jobs.map((j) => [...j.publicKey, ...j.signature, -1, ...j.message]));
    }),
  );
});

t.test('truncated or padded buffers are refused with RangeError', async (t) => {
  const packed = packJobs([{ publicKey: new Uint8Array(32), signature: new Uint8Array(64), message: new Uint8Array(10) }]);
  for (let cut = 0; cut < packed.length; cut++) t.throws(() => forEachJob(packed.subarray(0, cut), () => undefined), RangeError, `cut at ${cut}`);
  const padded = new Uint8Array(packed.length + 1);
  padded.set(packed);
  t.throws(() => forEachJob(padded, () => undefined), RangeError, 'trailing byte');
  t.throws(() => packJobs([{ publicKey: new Uint8Array(31), signature: new Uint8Array(64), message: new Uint8Array(0) }]), RangeError);
});

t.test('verifyPacked with node:crypto Ed25519: valid and forged signatures', async (t) => {
  const signer = nodeEd25519.signer(randomBytes(32));
  const message = randomBytes(50);
  const good = { publicKey: signer.publicKey, message, signature: signer.sign(message) };
  const forged = { ...good, signature: Uint8Array.from(good.signature, (b, i) => (i === 0 ? b ^ 1 : b)) };
  const otherKey = { ...good, publicKey: nodeEd25519.signer(randomBytes(32)).publicKey };
  t.same([...verifyPacked(packJobs([good, forged, otherKey, good]), nodeEd25519.verify)], [1, 0, 0, 1]);
});
