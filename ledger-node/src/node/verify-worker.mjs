// Ed25519 verification worker (RFC 8032 via node:crypto). Plain JS so it loads without a
// TypeScript loader. Message: { buffer, count } where buffer packs, per job, u32 BE message
// length, u32 BE key slot, 32-byte key, 64-byte signature, message. Reply: Uint8Array of 0/1.
// KeyObjects are cached by slot (the pool gives each key a slot) and the slot's key bytes
// compared before use, so a slot reused for another key only costs a new KeyObject.
import { createPublicKey, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const JOB_HEAD_BYTES = 104;
/** slot -> { raw: Uint8Array (32 bytes), key: KeyObject } */
const slots = [];

function sameKey(a, bytes, at) {
  for (let i = 0; i < 32; i++) if (a[i] !== bytes[at + i]) return false;
  return true;
}

function keyObject(slot, bytes, at) {
  const cached = slots[slot];
  if (cached !== undefined && sameKey(cached.raw, bytes, at)) return cached.key;
  const raw = bytes.slice(at, at + 32);
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  slots[slot] = { raw, key };
  return key;
}

parentPort.on('message', ({ id, buffer, count }) => {
  // Plain Uint8Array views (lighter than Buffer slices): node:crypto takes any ArrayBufferView.
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const results = new Uint8Array(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(offset);
    const slot = view.getUint32(offset + 4);
    const signature = new Uint8Array(buffer, offset + 40, 64);
    const message = new Uint8Array(buffer, offset + JOB_HEAD_BYTES, length);
    try {
      results[i] = verify(null, message, keyObject(slot, bytes, offset + 8), signature) ? 1 : 0;
    } catch {
      results[i] = 0;
    }
    offset += JOB_HEAD_BYTES + length;
  }
  parentPort.postMessage({ id, results }, [results.buffer]);
});
