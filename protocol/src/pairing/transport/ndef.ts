/**
 * NFC Data Exchange Format, NFC Forum "NDEF Technical Specification" 1.0, §3.2 record layout:
 *
 *   header: MB(7) ME(6) CF(5) SR(4) IL(3) TNF(2..0) | TYPE_LENGTH | PAYLOAD_LENGTH (1 byte if SR,
 *   else 4 bytes big-endian) | ID_LENGTH (if IL) | TYPE | ID | PAYLOAD
 *
 * Chunked records (§3.2.3): the first chunk has CF set and carries TNF and TYPE (and ID); the
 * middle chunks have CF set, TNF 0x06 (unchanged) and TYPE_LENGTH 0, no ID; the terminating
 * chunk is like a middle one with CF clear. A chunked payload never spans two messages.
 *
 * `NdefParser` is a byte state machine fed by `push(bytes)`: it may be fed one byte at a time,
 * reports malformed input as a returned event (never throws on peer input) and bounds memory.
 */
import { concatBytes } from '../../bytes.js';
import { PairingError, PairingErrorCode } from '../errors.js';

export const NdefFlag = Object.freeze({ MB: 0x80, ME: 0x40, CF: 0x20, SR: 0x10, IL: 0x08 } as const);
const TNF_MASK = 0x07;

/** §3.2.6 Type Name Format. */
export const Tnf = Object.freeze({
  EMPTY: 0x00,
  WELL_KNOWN: 0x01,
  MEDIA_TYPE: 0x02,
  ABSOLUTE_URI: 0x03,
  EXTERNAL: 0x04,
  UNKNOWN: 0x05,
  UNCHANGED: 0x06,
  RESERVED: 0x07,
} as const);

export interface NdefRecord {
  readonly tnf: number;
  readonly type: Uint8Array;
  readonly id: Uint8Array;
  readonly payload: Uint8Array;
}

/** Whole messages above this (sum of record payloads) are refused: pairing frames are small. */
export const MAX_NDEF_MESSAGE_BYTES = 16 * 1024;
const MAX_RECORDS = 64;
const EMPTY = new Uint8Array(0);

export function ndefRecord(tnf: number, type: Uint8Array, payload: Uint8Array, id: Uint8Array = EMPTY): NdefRecord {
  if (!Number.isInteger(tnf) || tnf < 0 || tnf > 5) throw new RangeError(`NDEF TNF must be 0..5 for a record, got ${tnf}`);
  if (type.length > 255 || id.length > 255) throw new RangeError('NDEF type and id are at most 255 bytes');
  if (tnf === Tnf.EMPTY && (type.length || id.length || payload.length)) throw new RangeError('an empty NDEF record has no type, id or payload');
  if ((tnf === Tnf.UNKNOWN && type.length > 0) || (tnf >= 1 && tnf <= 4 && type.length === 0)) {
    throw new RangeError(`NDEF TNF ${tnf} ${tnf === Tnf.UNKNOWN ? 'has no' : 'needs a'} type`);
  }
  return Object.freeze({ tnf, type, id, payload });
}

export interface EncodeNdefOptions {
  /** Split payloads longer than this into chunked records (§3.2.3); default: no chunking. */
  maxChunkPayload?: number;
}

function header(mb: boolean, me: boolean, cf: boolean, tnf: number, type: Uint8Array, id: Uint8Array, payloadLength: number): Uint8Array {
  const sr = payloadLength < 256;
  const il = id.length > 0;
  const flags = (mb ? NdefFlag.MB : 0) | (me ? NdefFlag.ME : 0) | (cf ? NdefFlag.CF : 0) | (sr ? NdefFlag.SR : 0) | (il ? NdefFlag.IL : 0) | tnf;
  const out: number[] = [flags, type.length];
  if (sr) out.push(payloadLength);
  else out.push((payloadLength >>> 24) & 0xff, (payloadLength >>> 16) & 0xff, (payloadLength >>> 8) & 0xff, payloadLength & 0xff);
  if (il) out.push(id.length);
  return concatBytes(Uint8Array.from(out), type, id);
}

export function encodeNdefMessage(records: ReadonlyArray<NdefRecord>, options: EncodeNdefOptions = {}): Uint8Array {
  if (records.length === 0) throw new RangeError('an NDEF message has at least one record');
  const chunk = options.maxChunkPayload;
  if (chunk !== undefined && (!Number.isInteger(chunk) || chunk < 1)) throw new RangeError('maxChunkPayload must be a positive integer');
  const parts: Uint8Array[] = [];
  records.forEach((record, index) => {
    const first = index === 0;
    const last = index === records.length - 1;
    const { tnf, type, id, payload } = ndefRecord(record.tnf, record.type, record.payload, record.id);
    if (chunk === undefined || payload.length <= chunk) {
      parts.push(header(first, last, false, tnf, type, id, payload.length), payload);
      return;
    }
    for (let offset = 0; offset < payload.length; offset += chunk) {
      const piece = payload.subarray(offset, Math.min(payload.length, offset + chunk));
      const initial = offset === 0;
      const terminal = offset + chunk >= payload.length;
      parts.push(
        initial ? header(first, false, true, tnf, type, id, piece.length) : header(false, last && terminal, !terminal, Tnf.UNCHANGED, EMPTY, EMPTY, piece.length),
        piece,
      );
    }
  });
  return concatBytes(...parts);
}

export type NdefEvent =
  | { readonly type: 'message'; readonly records: NdefRecord[] }
  | { readonly type: 'error'; readonly code: 'BAD_FRAME' | 'TOO_LARGE'; readonly reason: string };

const Stage = Object.freeze({ FLAGS: 0, TYPE_LENGTH: 1, PAYLOAD_LENGTH: 2, ID_LENGTH: 3, TYPE: 4, ID: 5, PAYLOAD: 6, RESYNC: 7 } as const);
type Stage = (typeof Stage)[keyof typeof Stage];

/** Streaming NDEF message parser; emits one event per complete message or per error. */
export class NdefParser {
  #stage: Stage = Stage.FLAGS;
  #flags = 0;
  #typeLength = 0;
  #idLength = 0;
  #payloadLength = 0;
  #lengthBytesLeft = 0;
  #field: Uint8Array = EMPTY;
  #fieldOffset = 0;
  #type: Uint8Array = EMPTY;
  #id: Uint8Array = EMPTY;
  #records: NdefRecord[] = [];
  #messageBytes = 0;
  /** Chunk set under assembly: the first chunk's TNF/type/id and the pieces so far. */
  #chunk: { tnf: number; type: Uint8Array; id: Uint8Array; pieces: Uint8Array[] } | undefined;

  readonly #maxMessageBytes: number;

  constructor(options: { maxMessageBytes?: number } = {}) {
    this.#maxMessageBytes = options.maxMessageBytes ?? MAX_NDEF_MESSAGE_BYTES;
  }

  /** Feeds bytes; returns the events they complete, in order. */
  push(bytes: Uint8Array): NdefEvent[] {
    const events: NdefEvent[] = [];
    let i = 0;
    while (i < bytes.length) {
      const stage = this.#stage;
      if (stage === Stage.TYPE || stage === Stage.ID || stage === Stage.PAYLOAD) {
        const take = Math.min(this.#field.length - this.#fieldOffset, bytes.length - i);
        this.#field.set(bytes.subarray(i, i + take), this.#fieldOffset);
        this.#fieldOffset += take;
        i += take;
        if (this.#fieldOffset === this.#field.length) this.#fieldDone(events);
        continue;
      }
      const byte = bytes[i++]!;
      if (stage === Stage.RESYNC) {
        // After an error, skip bytes until one that can start a message (MB set, a real TNF).
        if (byte & NdefFlag.MB && (byte & TNF_MASK) < Tnf.UNCHANGED) this.#onFlags(byte, events);
      } else if (stage === Stage.FLAGS) {
        this.#onFlags(byte, events);
      } else if (stage === Stage.TYPE_LENGTH) {
        this.#typeLength = byte;
        this.#lengthBytesLeft = this.#flags & NdefFlag.SR ? 1 : 4;
        this.#payloadLength = 0;
        this.#stage = Stage.PAYLOAD_LENGTH;
      } else if (stage === Stage.PAYLOAD_LENGTH) {
        this.#payloadLength = this.#payloadLength * 256 + byte;
        if (--this.#lengthBytesLeft === 0) this.#afterPayloadLength(events);
      } else if (stage === Stage.ID_LENGTH) {
        this.#idLength = byte;
        this.#afterLengths(events);
      }
    }
    return events;
  }

  /** True while a message is partly received (or bytes are being skipped after an error). */
  get pending(): boolean {
    return this.#stage !== Stage.FLAGS || this.#records.length > 0 || this.#chunk !== undefined;
  }

  /** Drops any partial message (e.g. when the radio link is re-established). */
  reset(): void {
    this.#stage = Stage.FLAGS;
    this.#records = [];
    this.#chunk = undefined;
    this.#messageBytes = 0;
  }

  #fail(events: NdefEvent[], reason: string, code: 'BAD_FRAME' | 'TOO_LARGE' = 'BAD_FRAME'): void {
    events.push({ type: 'error', code, reason });
    this.reset();
    this.#stage = Stage.RESYNC;
  }

  #onFlags(byte: number, events: NdefEvent[]): void {
    const tnf = byte & TNF_MASK;
    const starting = this.#records.length === 0 && this.#chunk === undefined;
    if (starting !== Boolean(byte & NdefFlag.MB)) {
      return this.#fail(events, starting ? 'NDEF message does not start with an MB record' : 'MB set on a record inside a message');
    }
    if (tnf === Tnf.RESERVED) return this.#fail(events, 'NDEF TNF 0x07 is reserved');
    if (this.#chunk !== undefined) {
      if (tnf !== Tnf.UNCHANGED) return this.#fail(events, 'a middle or terminating chunk must have TNF 0x06 (unchanged)');
      if (byte & NdefFlag.IL) return this.#fail(events, 'a middle or terminating chunk must not have an ID');
    } else if (tnf === Tnf.UNCHANGED) {
      return this.#fail(events, 'TNF 0x06 (unchanged) outside a chunked record');
    }
    if (byte & NdefFlag.CF && byte & NdefFlag.ME) return this.#fail(events, 'ME set on a chunk that is not the terminating one');
    this.#flags = byte;
    this.#idLength = 0;
    this.#stage = Stage.TYPE_LENGTH;
  }

  #afterPayloadLength(events: NdefEvent[]): void {
    if (this.#messageBytes + this.#payloadLength > this.#maxMessageBytes) {
      return this.#fail(events, `NDEF message exceeds ${this.#maxMessageBytes} payload bytes`, 'TOO_LARGE');
    }
    this.#messageBytes += this.#payloadLength;
    if (this.#flags & NdefFlag.IL) this.#stage = Stage.ID_LENGTH;
    else this.#afterLengths(events);
  }

  #afterLengths(events: NdefEvent[]): void {
    const tnf = this.#flags & TNF_MASK;
    if (tnf === Tnf.EMPTY && (this.#typeLength || this.#idLength || this.#payloadLength)) return this.#fail(events, 'empty NDEF record (TNF 0) with a type, id or payload');
    if ((tnf === Tnf.UNKNOWN || tnf === Tnf.UNCHANGED) && this.#typeLength !== 0) return this.#fail(events, `NDEF TNF ${tnf} must have TYPE_LENGTH 0`);
    if (tnf >= Tnf.WELL_KNOWN && tnf <= Tnf.EXTERNAL && this.#typeLength === 0) return this.#fail(events, `NDEF TNF ${tnf} needs a type`);
    this.#type = new Uint8Array(this.#typeLength);
    this.#id = new Uint8Array(this.#idLength);
    this.#startField(Stage.TYPE, this.#type, events);
  }

  #startField(stage: Stage, field: Uint8Array, events: NdefEvent[]): void {
    this.#stage = stage;
    this.#field = field;
    this.#fieldOffset = 0;
    if (field.length === 0) this.#fieldDone(events);
  }

  #fieldDone(events: NdefEvent[]): void {
    if (this.#stage === Stage.TYPE) return this.#startField(Stage.ID, this.#id, events);
    if (this.#stage === Stage.ID) return this.#startField(Stage.PAYLOAD, new Uint8Array(this.#payloadLength), events);
    this.#recordDone(this.#field, events);
  }

  #recordDone(payload: Uint8Array, events: NdefEvent[]): void {
    const flags = this.#flags;
    const tnf = flags & TNF_MASK;
    if (flags & NdefFlag.CF) {
      if (this.#chunk === undefined) this.#chunk = { tnf, type: this.#type, id: this.#id, pieces: [payload] };
      else this.#chunk.pieces.push(payload);
    } else if (this.#chunk !== undefined) {
      const { tnf: chunkTnf, type, id, pieces } = this.#chunk;
      this.#records.push(Object.freeze({ tnf: chunkTnf, type, id, payload: concatBytes(...pieces, payload) }));
      this.#chunk = undefined;
    } else {
      this.#records.push(Object.freeze({ tnf, type: this.#type, id: this.#id, payload }));
    }
    if (this.#records.length > MAX_RECORDS) return this.#fail(events, `NDEF message has more than ${MAX_RECORDS} records`, 'TOO_LARGE');
    if (flags & NdefFlag.ME) {
      events.push({ type: 'message', records: this.#records });
      this.reset();
    } else {
      this.#stage = Stage.FLAGS;
    }
  }
}

/** Decodes exactly one whole NDEF message; BAD_FRAME/TOO_LARGE PairingError on anything else. */
export function decodeNdefMessage(bytes: Uint8Array, options: { maxMessageBytes?: number } = {}): NdefRecord[] {
  const parser = new NdefParser(options);
  const events = parser.push(bytes);
  const first = events[0];
  if (first === undefined) throw new PairingError(PairingErrorCode.BAD_FRAME, 'NDEF message truncated: no record with ME');
  if (first.type === 'error') throw new PairingError(PairingErrorCode[first.code], first.reason);
  if (events.length > 1 || parser.pending) throw new PairingError(PairingErrorCode.BAD_FRAME, 'bytes after the end of the NDEF message');
  return first.records;
}
