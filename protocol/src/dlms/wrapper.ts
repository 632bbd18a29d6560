/**
 * The TCP/UDP wrapper of IEC 62056-47 (DLMS UA Green Book §7.3): every APDU is preceded by
 *
 *   version (2) = 0x0001 | source wPort (2) | destination wPort (2) | length of the APDU (2)
 *
 * all big-endian. wPorts are the client SAP (e.g. 16 public client) and the server logical
 * device (1 management). On TCP the header is the only delimiter, so a bad version means the
 * stream can no longer be trusted: the parser reports it and stops until `reset`.
 */
import { WrapperError } from './errors.js';

export const WRAPPER_VERSION = 1;
export const WRAPPER_HEADER_BYTES = 8;
export const WRAPPER_MAX_APDU = 0xffff;

export interface WrapperHeader {
  readonly source: number;
  readonly destination: number;
  readonly length: number;
}

export interface WrapperMessage {
  readonly source: number;
  readonly destination: number;
  readonly apdu: Uint8Array;
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`wrapper ${what} wPort 0..65535 expected, got ${port}`);
}

export function encodeWrapper(message: WrapperMessage): Uint8Array {
  checkPort(message.source, 'source');
  checkPort(message.destination, 'destination');
  if (message.apdu.length > WRAPPER_MAX_APDU) throw new RangeError(`wrapper APDU of ${message.apdu.length} bytes exceeds ${WRAPPER_MAX_APDU}`);
  const out = new Uint8Array(WRAPPER_HEADER_BYTES + message.apdu.length);
  out[1] = WRAPPER_VERSION;
  out[2] = message.source >> 8;
  out[3] = message.source & 0xff;
  out[4] = message.destination >> 8;
  out[5] = message.destination & 0xff;
  out[6] = message.apdu.length >> 8;
  out[7] = message.apdu.length & 0xff;
  out.set(message.apdu, WRAPPER_HEADER_BYTES);
  return out;
}

/** Decodes exactly one wrapper message (e.g. a UDP datagram). */
export function decodeWrapper(bytes: Uint8Array): WrapperMessage {
  if (bytes.length < WRAPPER_HEADER_BYTES) throw new WrapperError('DLMS_WRAPPER_BAD_HEADER', `wrapper: ${bytes.length} bytes is shorter than the 8-byte header`);
  const header = readHeader(bytes, 0);
  if (header.length !== bytes.length - WRAPPER_HEADER_BYTES) throw new WrapperError('DLMS_WRAPPER_BAD_HEADER', `wrapper: header says ${header.length} APDU bytes, ${bytes.length - WRAPPER_HEADER_BYTES} present`);
  return { source: header.source, destination: header.destination, apdu: bytes.slice(WRAPPER_HEADER_BYTES) };
}

function readHeader(bytes: Uint8Array, at: number): WrapperHeader {
  const version = (bytes[at]! << 8) | bytes[at + 1]!;
  if (version !== WRAPPER_VERSION) throw new WrapperError('DLMS_WRAPPER_BAD_HEADER', `wrapper: version ${version}, expected ${WRAPPER_VERSION}; the peer does not speak the IEC 62056-47 wrapper (HDLC over TCP?)`);
  return { source: (bytes[at + 2]! << 8) | bytes[at + 3]!, destination: (bytes[at + 4]! << 8) | bytes[at + 5]!, length: (bytes[at + 6]! << 8) | bytes[at + 7]! };
}

export type WrapperParserEvent =
  | { readonly type: 'message'; readonly message: WrapperMessage }
  | { readonly type: 'error'; readonly error: WrapperError };

/** Byte-fed wrapper stream parser for TCP. */
export class WrapperParser {
  readonly maxApdu: number;
  #header = new Uint8Array(WRAPPER_HEADER_BYTES);
  #headerFilled = 0;
  #current: WrapperHeader | undefined;
  #apdu = new Uint8Array(0);
  #apduFilled = 0;
  #failed = false;

  constructor(options: { maxApdu?: number } = {}) {
    this.maxApdu = options.maxApdu ?? WRAPPER_MAX_APDU;
  }

  get pending(): number {
    return this.#headerFilled + this.#apduFilled;
  }

  reset(): void {
    this.#headerFilled = 0;
    this.#apduFilled = 0;
    this.#current = undefined;
    this.#failed = false;
  }

  push(chunk: Uint8Array): WrapperParserEvent[] {
    const events: WrapperParserEvent[] = [];
    let i = 0;
    while (i < chunk.length && !this.#failed) {
      if (this.#current === undefined) {
        const take = Math.min(WRAPPER_HEADER_BYTES - this.#headerFilled, chunk.length - i);
        this.#header.set(chunk.subarray(i, i + take), this.#headerFilled);
        this.#headerFilled += take;
        i += take;
        if (this.#headerFilled < WRAPPER_HEADER_BYTES) break;
        try {
          this.#current = readHeader(this.#header, 0);
        } catch (error) {
          this.#failed = true;
          events.push({ type: 'error', error: error as WrapperError });
          break;
        }
        if (this.#current.length > this.maxApdu) {
          this.#failed = true;
          events.push({ type: 'error', error: new WrapperError('DLMS_WRAPPER_TOO_LONG', `wrapper: APDU of ${this.#current.length} bytes exceeds the ${this.maxApdu}-byte limit`) });
          break;
        }
        this.#apdu = new Uint8Array(this.#current.length);
        this.#apduFilled = 0;
      }
      const take = Math.min(this.#current.length - this.#apduFilled, chunk.length - i);
      this.#apdu.set(chunk.subarray(i, i + take), this.#apduFilled);
      this.#apduFilled += take;
      i += take;
      if (this.#apduFilled === this.#current.length) {
        events.push({ type: 'message', message: { source: this.#current.source, destination: this.#current.destination, apdu: this.#apdu } });
        this.#current = undefined;
        this.#headerFilled = 0;
        this.#apduFilled = 0;
      }
    }
    return events;
  }
}
