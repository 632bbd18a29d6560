// Ed25519 verification worker (RFC 8032 via node:crypto). Plain JS so it loads without a
// TypeScript loader. Message: { buffer, count } where buffer packs, per job, u32 BE message
// length, u32 BE key slot, 32-byte key, 64-byte signature, message. Reply: Uint8Array of 0/1.
// KeyObjects are cached by slot (the pool gives each key a slot) and the slot's key bytes
// compared before use, so a slot reused for another key only costs a new KeyObject.
import { createPublicKey, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const JOB_HEAD_BYTES = 104;
/** slot -> { raw: Buffer (32 bytes), key: KeyObject } */
const slots = [];

function keyObject(slot, raw) {
  const cached = slots[slot];
  if (cached !== undefined && cached.raw.equals(raw)) return cached.key;
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  slots[slot] = { raw: Buffer.from(raw), key };
  return key;
}

parentPort.on('message', ({ id, buffer, count }) => {
  const bytes = Buffer.from(buffer);
  const results = new Uint8Array(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const length = bytes.readUInt32BE(offset);
    const slot = bytes.readUInt32BE(offset + 4);
    const key = bytes.subarray(offset + 8, offset + 40);
    const signature = bytes.subarray(offset + 40, offset + 104);
    const message = bytes.subarray(offset + JOB_HEAD_BYTES, offset + JOB_HEAD_BYTES + length);
    offset += JOB_HEAD_BYTES + length;
    try {
      results[i] = verify(null, message, keyObject(slot, key), signature) ? 1 : 0;
    } catch {
      results[i] = 0;
    }
  }
  parentPort.postMessage({ id, results }, [results.buffer]);
});
