/**
 * BLE GATT framing of pairing frames (Bluetooth Core 5.4 Vol 3 Part F/G). The meter is the
 * GATT server with one primary service and two characteristics: the technician writes
 * (Write Without Response) to PAIRING_WRITE and receives notifications on PAIRING_NOTIFY.
 * An attribute value carries at most ATT_MTU - 3 bytes (opcode + handle), so frames are
 * chunked; each chunk starts with one header byte:
 *
 *   bit 7 FIRST | bit 6 LAST | bits 5..4 reserved (0) | bits 3..0 sequence (mod 16)
 *
 * and the FIRST chunk carries the frame length (uint16 big-endian) after the header. The
 * reassembler is a state machine fed one attribute value at a time; malformed input is a
 * returned event, never an exception.
 */
import { PairingError, PairingErrorCode } from '../errors.js';

/** 128-bit UUIDs of the wattledger pairing service (random, version 4). */
export const BleUuid = Object.freeze({
  SERVICE: '7e1a0001-8f4c-4b2e-9d53-6a0c2f9e1b70',
  /** Technician -> meter, Write Without Response. */
  PAIRING_WRITE: '7e1a0002-8f4c-4b2e-9d53-6a0c2f9e1b70',
  /** Meter -> technician, Notify. */
  PAIRING_NOTIFY: '7e1a0003-8f4c-4b2e-9d53-6a0c2f9e1b70',
} as const);

/** Vol 3 Part F §3.2.8: ATT_MTU is at least 23 on LE; 517 fits the longest attribute value (512) plus 5. */
export const BLE_MIN_ATT_MTU = 23;
export const BLE_MAX_ATT_MTU = 517;
/** Vol 3 Part F §3.4.7.1: ATT_HANDLE_VALUE_NTF / ATT_WRITE_CMD carry MTU - 3 value bytes. */
export const ATT_HEADER_BYTES = 3;

export const ChunkFlag = Object.freeze({ FIRST: 0x80, LAST: 0x40, RESERVED: 0x30, SEQ: 0x0f } as const);
const FIRST_HEADER_BYTES = 3;
/** Pairing frames are small; anything above this is refused before buffering. */
export const MAX_BLE_FRAME_BYTES = 4096;

/** Splits a frame into attribute values of at most `maxValueBytes` (>= 4: header, length, 1 byte). */
export function splitFrame(frame: Uint8Array, maxValueBytes: number): Uint8Array[] {
  if (!(frame instanceof Uint8Array)) throw new TypeError('splitFrame: Uint8Array expected');
  if (frame.length === 0 || frame.length > MAX_BLE_FRAME_BYTES) throw new RangeError(`BLE frame must be 1..${MAX_BLE_FRAME_BYTES} bytes, got ${frame.length}`);
  if (!Number.isInteger(maxValueBytes) || maxValueBytes < FIRST_HEADER_BYTES + 1) throw new RangeError(`maxValueBytes must be at least ${FIRST_HEADER_BYTES + 1}`);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let seq = 0;
  while (offset < frame.length) {
    const first = offset === 0;
    const room = maxValueBytes - (first ? FIRST_HEADER_BYTES : 1);
    const piece = frame.subarray(offset, Math.min(frame.length, offset + room));
    offset += piece.length;
    const last = offset === frame.length;
    const chunk = new Uint8Array((first ? FIRST_HEADER_BYTES : 1) + piece.length);
    chunk[0] = (first ? ChunkFlag.FIRST : 0) | (last ? ChunkFlag.LAST : 0) | (seq & ChunkFlag.SEQ);
    if (first) {
      chunk[1] = frame.length >>> 8;
      chunk[2] = frame.length & 0xff;
    }
    chunk.set(piece, first ? FIRST_HEADER_BYTES : 1);
    chunks.push(chunk);
    seq = (seq + 1) & ChunkFlag.SEQ;
  }
  return chunks;
}

/** Chunks for a link with the negotiated ATT_MTU (23..517). */
export function chunkFrame(frame: Uint8Array, attMtu: number = BLE_MIN_ATT_MTU): Uint8Array[] {
  if (!Number.isInteger(attMtu) || attMtu < BLE_MIN_ATT_MTU || attMtu > BLE_MAX_ATT_MTU) {
    throw new RangeError(`ATT_MTU must be ${BLE_MIN_ATT_MTU}..${BLE_MAX_ATT_MTU}, got ${attMtu}`);
  }
  return splitFrame(frame, attMtu - ATT_HEADER_BYTES);
}

export type BleEvent =
  | { readonly type: 'frame'; readonly bytes: Uint8Array }
  | { readonly type: 'error'; readonly code: 'BAD_FRAME' | 'TOO_LARGE'; readonly reason: string };

/** Reassembles chunks (attribute values) into frames. */
export class BleReassembler {
  #buffer: Uint8Array | undefined;
  #offset = 0;
  #nextSeq = 0;
  readonly #maxFrameBytes: number;

  constructor(options: { maxFrameBytes?: number } = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? MAX_BLE_FRAME_BYTES;
  }

  get pending(): boolean {
    return this.#buffer !== undefined;
  }

  reset(): void {
    this.#buffer = undefined;
    this.#offset = 0;
    this.#nextSeq = 0;
  }

  #fail(reason: string, code: 'BAD_FRAME' | 'TOO_LARGE' = 'BAD_FRAME'): BleEvent[] {
    this.reset();
    return [{ type: 'error', code, reason }];
  }

  /** Feeds one attribute value; returns a frame when the LAST chunk completes it. */
  push(value: Uint8Array): BleEvent[] {
    if (value.length === 0) return this.#fail('empty BLE chunk');
    const head = value[0]!;
    if (head & ChunkFlag.RESERVED) return this.#fail(`BLE chunk header 0x${head.toString(16)} has reserved bits set`);
    const seq = head & ChunkFlag.SEQ;
    const events: BleEvent[] = [];
    let body: Uint8Array;
    if (head & ChunkFlag.FIRST) {
      if (this.#buffer !== undefined) {
        events.push({ type: 'error', code: 'BAD_FRAME', reason: 'BLE frame interrupted by a new FIRST chunk' });
        this.reset();
      }
      if (seq !== 0) return [...events, ...this.#fail(`FIRST chunk with sequence ${seq}, expected 0`)];
      if (value.length < FIRST_HEADER_BYTES) return [...events, ...this.#fail('FIRST chunk shorter than its 3-byte header')];
      const length = (value[1]! << 8) | value[2]!;
      if (length === 0) return [...events, ...this.#fail('BLE frame of length 0')];
      if (length > this.#maxFrameBytes) return [...events, ...this.#fail(`BLE frame of ${length} bytes exceeds ${this.#maxFrameBytes}`, 'TOO_LARGE')];
      this.#buffer = new Uint8Array(length);
      this.#offset = 0;
      body = value.subarray(FIRST_HEADER_BYTES);
    } else {
      if (this.#buffer === undefined) return this.#fail('BLE continuation chunk without a FIRST chunk');
      if (seq !== this.#nextSeq) return this.#fail(`BLE chunk sequence ${seq}, expected ${this.#nextSeq}: a chunk was lost or repeated`);
      body = value.subarray(1);
    }
    const buffer = this.#buffer;
    if (this.#offset + body.length > buffer.length) return [...events, ...this.#fail(`BLE chunks overrun the announced frame length ${buffer.length}`)];
    buffer.set(body, this.#offset);
    this.#offset += body.length;
    this.#nextSeq = (seq + 1) & ChunkFlag.SEQ;
    if (head & ChunkFlag.LAST) {
      if (this.#offset !== buffer.length) return [...events, ...this.#fail(`BLE frame ended after ${this.#offset} of ${buffer.length} bytes`)];
      this.reset();
      events.push({ type: 'frame', bytes: buffer });
    } else if (this.#offset === buffer.length) {
      return [...events, ...this.#fail('BLE frame complete but its last chunk lacks the LAST flag')];
    }
    return events;
  }
}

/** Reassembles a whole list of chunks into exactly one frame; PairingError otherwise. */
export function joinChunks(chunks: ReadonlyArray<Uint8Array>): Uint8Array {
  const reassembler = new BleReassembler();
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    for (const event of reassembler.push(chunk)) {
      if (event.type === 'error') throw new PairingError(PairingErrorCode[event.code], event.reason);
      frames.push(event.bytes);
    }
  }
  if (frames.length !== 1 || reassembler.pending) throw new PairingError(PairingErrorCode.BAD_FRAME, `expected exactly one BLE frame, got ${frames.length}${reassembler.pending ? ' and a partial one' : ''}`);
  return frames[0]!;
}
