/** The packed verify-job format between the pipeline and the workers. */
import fc from 'fast-check';
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { decodeSign1, meterIdFromPublicKey, READING_VERSION, signReadings, sigStructure, ZERO_HASH } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { forEachJob, packJobs, packSign1Jobs, verifyPacked, type VerifyJob } from '../src/verify/job-codec.js';

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

// Byte-string lengths on each side of the CBOR length-argument boundaries (RFC 8949 §3: 23/24, 255/256, 65535/65536).
const boundaryLength = fc.constantFrom(0, 1, 23, 24, 255, 256, 65_535, 65_536, 70_000);
const bytesOf = (length: fc.Arbitrary<number>): fc.Arbitrary<Uint8Array> => length.map((n) => randomBytes(n));
const sign1Job = fc.record({
  publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }),
  protectedBytes: fc.oneof(fc.uint8Array({ maxLength: 40 }), bytesOf(boundaryLength)),
  payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), bytesOf(boundaryLength)),
});

t.test('property: packSign1Jobs writes what packJobs writes for protocol sigStructure (RFC 9052 §4.4)', async () => {
  fc.assert(
    fc.property(fc.array(sign1Job, { maxLength: 6 }), (jobs) => {
      const expected = packJobs(jobs.map((j) => ({ publicKey: j.publicKey, signature: j.signature, message: sigStructure(j.protectedBytes, j.payload) })));
      return Buffer.from(packSign1Jobs(jobs)).equals(Buffer.from(expected));
    }),
    { numRuns: 200 },
  );
  t.throws(() => packSign1Jobs([{ publicKey: new Uint8Array(32), signature: new Uint8Array(63), protectedBytes: new Uint8Array(0), payload: new Uint8Array(0) }]), RangeError);
});

t.test('packSign1Jobs: signed readings verify, a changed payload or signature does not', async (t) => {
  const signer = nodeEd25519.signer(randomBytes(32));
  const meterId = meterIdFromPublicKey(signer.publicKey);
  const reading = { version: READING_VERSION, meterId, seq: 0, intervalStart: 1_800_000, intervalLength: 1800, importedWh: 0, exportedWh: 100, flags: 0, productionMethod: 1, prevHash: ZERO_HASH };
  const sign1 = decodeSign1(signReadings(reading, signer));
  const good = { publicKey: signer.publicKey, protectedBytes: sign1.protectedBytes, payload: sign1.payload, signature: sign1.signature };
  const payload = sign1.payload.slice();
  payload[payload.length - 1] = payload[payload.length - 1]! ^ 1;
  const badSignature = Uint8Array.from(sign1.signature, (b, i) => (i === 5 ? b ^ 0x80 : b));
  t.same([...verifyPacked(packSign1Jobs([good, { ...good, payload }, { ...good, signature: badSignature }, good]), nodeEd25519.verify)], [1, 0, 0, 1]);
});
