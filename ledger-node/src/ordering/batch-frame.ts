/**
 * Storage framing of an ordered batch: u32 count, then per tx u32 length + bytes (big
 * endian). Not a wire contract; used by the sequencer's SQLite rows and the etcd values.
 */

export function encodeBatchFrame(txs: readonly Uint8Array[]): Uint8Array {
  let size = 4;
  for (const tx of txs) size += 4 + tx.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, txs.length);
  let offset = 4;
  for (const tx of txs) {
    view.setUint32(offset, tx.length);
    out.set(tx, offset + 4);
    offset += 4 + tx.length;
  }
  return out;
}

export class BadBatchFrameError extends Error {
  readonly code = 'BAD_BATCH_FRAME';
  override get name(): string {
    return 'BadBatchFrameError';
  }
}

export function decodeBatchFrame(frame: Uint8Array): Uint8Array[] {
  if (frame.length < 4) throw new BadBatchFrameError(`batch frame of ${frame.length} bytes is shorter than its header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(0);
  const txs: Uint8Array[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > frame.length) throw new BadBatchFrameError(`batch frame truncated at tx ${i} of ${count}`);
    const length = view.getUint32(offset);
    if (offset + 4 + length > frame.length) throw new BadBatchFrameError(`batch frame truncated in tx ${i} of ${count}`);
    txs.push(frame.slice(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  if (offset !== frame.length) throw new BadBatchFrameError(`batch frame has ${frame.length - offset} trailing bytes`);
  return txs;
}
