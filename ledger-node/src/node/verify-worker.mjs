// Ed25519 verification worker (RFC 8032 via node:crypto). Plain JS so it loads without a
// TypeScript loader. Message: { buffer, count } where buffer packs, per job,
// u32 BE message length, 32-byte key, 64-byte signature, message. Reply: Uint8Array of 0/1.
import { createPublicKey, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();

function keyObject(raw) {
  const cacheKey = raw.toString('base64');
  let key = keys.get(cacheKey);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (keys.size > 100000) keys.clear();
    keys.set(cacheKey, key);
  }
  return key;
}

parentPort.on('message', ({ id, buffer, count }) => {
  const bytes = Buffer.from(buffer);
  const results = new Uint8Array(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const length = bytes.readUInt32BE(offset);
    const key = bytes.subarray(offset + 4, offset + 36);
    const signature = bytes.subarray(offset + 36, offset + 100);
    const message = bytes.subarray(offset + 100, offset + 100 + length);
    offset += 100 + length;
    try {
      results[i] = verify(null, message, keyObject(key), signature) ? 1 : 0;
    } catch {
      results[i] = 0;
    }
  }
  parentPort.postMessage({ id, results }, [results.buffer]);
});
