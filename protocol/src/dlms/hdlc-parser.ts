/**
 * Byte-fed HDLC frame parser (IEC 62056-46 frame format type 3). A frame is delimited by its
 * 11-bit length field, never by searching for the closing 0x7E: the flag value is legal inside
 * addresses, the length field, the information field and the check sequences.
 *
 * The flag only marks where a candidate frame may start; the candidate is accepted when the
 * byte at the declared length is a flag and HCS/FCS check. If the flag is missing (the length
 * field was damaged or bytes were lost), the parser re-scans the candidate's bytes after its
 * opening flag, so a lost byte costs at most the damaged frame. A closing flag may be the
 * opening flag of the next frame. Defects are returned as events, never thrown. A frame that
 * arrives whole within one chunk is decoded in place: its `info` is a view into that chunk.
 */
import { decodeFrameBody, HDLC_FLAG, HDLC_MAX_FRAME_LENGTH, type FrameDefect, type HdlcFrame } from './hdlc-frame.js';

export type HdlcParserEvent =
  | { readonly type: 'frame'; readonly frame: HdlcFrame }
  | { readonly type: 'defect'; readonly defect: FrameDefect; readonly length: number };

const HUNT = 0;
const FORMAT_HIGH = 1;
const FORMAT_LOW = 2;
const BODY = 3;
const CLOSE = 4;

export class HdlcFrameParser {
  #maxFrameLength: number;
  #state = HUNT;
  readonly #body = new Uint8Array(HDLC_MAX_FRAME_LENGTH);
  #filled = 0;
  #length = 0;
  /** Bytes skipped outside any frame (line noise, echoes, mode E leftovers). */
  discarded = 0;

  constructor(options: { maxFrameLength?: number } = {}) {
    this.#maxFrameLength = checkMax(options.maxFrameLength ?? HDLC_MAX_FRAME_LENGTH);
  }

  /** Frames declaring a greater length are refused as TOO_LONG (the negotiated limit, once known). */
  get maxFrameLength(): number {
    return this.#maxFrameLength;
  }

  set maxFrameLength(max: number) {
    this.#maxFrameLength = checkMax(max);
  }

  /** Bytes of an incomplete frame held back until more arrive. */
  get pending(): number {
    return this.#state === HUNT ? 0 : this.#filled;
  }

  reset(): void {
    this.#state = HUNT;
    this.#filled = 0;
  }

  push(chunk: Uint8Array): HdlcParserEvent[] {
    const events: HdlcParserEvent[] = [];
    this.#feed(chunk, events);
    return events;
  }

  #feed(chunk: Uint8Array, events: HdlcParserEvent[]): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.#state) {
        case HUNT: {
          const at = chunk.indexOf(HDLC_FLAG, i);
          if (at < 0) {
            this.discarded += n - i;
            return;
          }
          this.discarded += at - i;
          i = at + 1;
          this.#state = FORMAT_HIGH;
          break;
        }
        case FORMAT_HIGH: {
          const b = chunk[i++]!;
          if (b === HDLC_FLAG) break;
          if ((b & 0xf0) !== 0xa0) {
            this.discarded++;
            this.#state = HUNT;
            break;
          }
          // Fast path: the whole frame and its closing flag are in this chunk; decode in place.
          const length = i < n ? ((b & 7) << 8) | chunk[i]! : 0;
          if (length >= 7 && length <= this.#maxFrameLength && i - 1 + length < n && chunk[i - 1 + length] === HDLC_FLAG) {
            const decoded = decodeFrameBody(chunk.subarray(i - 1, i - 1 + length));
            if (typeof decoded !== 'string') {
              events.push({ type: 'frame', frame: decoded });
              i += length;
              break;
            }
          }
          this.#body[0] = b;
          this.#filled = 1;
          this.#state = FORMAT_LOW;
          break;
        }
        case FORMAT_LOW: {
          const b = chunk[i++]!;
          const length = ((this.#body[0]! & 7) << 8) | b;
          this.#body[1] = b;
          this.#filled = 2;
          if (length < 7 || length > this.#maxFrameLength) {
            events.push({ type: 'defect', defect: length < 7 ? 'BAD_FORMAT' : 'TOO_LONG', length });
            this.#rescan(events, undefined);
            break;
          }
          this.#length = length;
          this.#state = BODY;
          break;
        }
        case BODY: {
          const take = Math.min(this.#length - this.#filled, n - i);
          this.#body.set(chunk.subarray(i, i + take), this.#filled);
          this.#filled += take;
          i += take;
          if (this.#filled === this.#length) this.#state = CLOSE;
          break;
        }
        case CLOSE: {
          const b = chunk[i++]!;
          if (b !== HDLC_FLAG) {
            events.push({ type: 'defect', defect: 'MISSING_FLAG', length: this.#length });
            this.#rescan(events, b);
            break;
          }
          const body = this.#body.slice(0, this.#length);
          const decoded = decodeFrameBody(body);
          events.push(typeof decoded === 'string' ? { type: 'defect', defect: decoded, length: this.#length } : { type: 'frame', frame: decoded });
          this.#filled = 0;
          this.#state = FORMAT_HIGH;
          break;
        }
      }
    }
  }

  /** Re-scans a refused candidate after its opening flag (plus the byte that refuted it). */
  #rescan(events: HdlcParserEvent[], extra: number | undefined): void {
    const held = this.#body.slice(1, this.#filled);
    this.#filled = 0;
    this.#state = HUNT;
    this.discarded++;
    this.#feed(extra === undefined ? held : appendByte(held, extra), events);
  }
}

function checkMax(max: number): number {
  if (!Number.isInteger(max) || max < 7 || max > HDLC_MAX_FRAME_LENGTH) throw new RangeError(`maxFrameLength 7..${HDLC_MAX_FRAME_LENGTH} expected, got ${max}`);
  return max;
}

function appendByte(bytes: Uint8Array, b: number): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = b;
  return out;
}
