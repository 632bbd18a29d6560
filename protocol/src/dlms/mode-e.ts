/**
 * IEC 62056-21 mode E opening (§6.4.5, Annex E) for optical probes, as a pure state machine:
 *
 *   client, 300 Bd 7E1:  / ? [address] ! CR LF
 *   meter,  300 Bd 7E1:  / X X X Z \ 2 identification CR LF     (Z: baud rate character,
 *                                                                 "\2": HDLC mode E capable)
 *   client, 300 Bd 7E1:  ACK 2 Z 2 CR LF                          (HDLC protocol, baud Z, binary mode)
 *   both switch to the baud of Z, 8N1, and HDLC (IEC 62056-46) starts with the client's SNRM.
 *
 * Optical heads on a half-duplex line often echo what the client sends: an echoed request line
 * and an echoed ACK are recognised and dropped.
 */
import { ModeEError } from './errors.js';

export const ACK = 0x06;
/** Baud rate characters of mode C/E (§6.3.14). */
export const MODE_E_BAUD_RATES: Readonly<Record<string, number>> = Object.freeze({
  '0': 300, '1': 600, '2': 1200, '3': 2400, '4': 4800, '5': 9600, '6': 19200,
});
export const OPENING_BAUD_RATE = 300;

export interface MeterIdentification {
  /** Three-letter manufacturer code (FLAG association), e.g. "ISK". */
  readonly manufacturer: string;
  readonly baudChar: string;
  readonly baudRate: number;
  /** Enhanced capability characters after a backslash, e.g. ["2"] for HDLC mode E. */
  readonly capabilities: readonly string[];
  readonly identification: string;
}

export type ModeEEffect =
  | { readonly type: 'configure'; readonly baudRate: number; readonly dataBits: 7 | 8; readonly parity: 'even' | 'none' }
  | { readonly type: 'send'; readonly bytes: Uint8Array }
  | { readonly type: 'timer'; readonly ms: number }
  | { readonly type: 'cancel-timer' }
  | { readonly type: 'opened'; readonly identification: MeterIdentification; readonly baudRate: number }
  | { readonly type: 'error'; readonly error: ModeEError };

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

export function encodeRequest(address = ''): Uint8Array {
  if (!/^[0-9A-Za-z ]{0,32}$/.test(address)) throw new RangeError('mode E device address: up to 32 letters, digits or spaces');
  return ascii(`/?${address}!\r\n`);
}

/** ACK V Z Y CR LF with V = '2' (HDLC protocol procedure) and Y = '2' (binary mode). */
export function encodeOptionSelect(baudChar: string): Uint8Array {
  if (MODE_E_BAUD_RATES[baudChar] === undefined) throw new RangeError(`mode E baud character 0..6 expected, got ${JSON.stringify(baudChar)}`);
  return Uint8Array.of(ACK, 0x32, baudChar.charCodeAt(0), 0x32, 0x0d, 0x0a);
}

/** Parses "/XXXZ\W...identification" (without CR LF). */
export function parseIdentification(line: string): MeterIdentification {
  const match = /^\/([A-Za-z]{3})([0-9A-Z])((?:\\[0-9A-Za-z])*)([\x20-\x7e]{0,16})$/.exec(line);
  if (match === null) throw new ModeEError('DLMS_MODE_E_BAD_IDENTIFICATION', `mode E: ${JSON.stringify(line)} is not an identification message (/XXXZ\\W ident)`);
  const baudChar = match[2]!;
  const baudRate = MODE_E_BAUD_RATES[baudChar];
  if (baudRate === undefined) throw new ModeEError('DLMS_MODE_E_BAD_IDENTIFICATION', `mode E: baud character ${JSON.stringify(baudChar)} is not a mode C/E rate`);
  const capabilities = (match[3] ?? '').split('\\').filter((c) => c.length > 0);
  return { manufacturer: match[1]!, baudChar, baudRate, capabilities, identification: match[4]! };
}

export function encodeIdentification(id: MeterIdentification): Uint8Array {
  return ascii(`/${id.manufacturer}${id.baudChar}${id.capabilities.map((c) => `\\${c}`).join('')}${id.identification}\r\n`);
}

export interface ModeEOptions {
  readonly address?: string;
  /** Highest baud rate to accept from the meter's offer. */
  readonly maxBaudRate?: number;
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** Proceed even when the meter does not announce HDLC ("\2"). */
  readonly force?: boolean;
}

type Phase = 'idle' | 'identifying' | 'selecting' | 'opened' | 'failed';

export class ModeEOpening {
  readonly #options: ModeEOptions;
  #phase: Phase = 'idle';
  #line: number[] = [];
  #attempts = 0;
  #request: Uint8Array;
  #select: Uint8Array = new Uint8Array(0);
  #identification: MeterIdentification | undefined;
  #baudRate = OPENING_BAUD_RATE;
  /** Bytes ignored between the option select and the baud switch (echoes, noise). */
  dropped = 0;

  constructor(options: ModeEOptions = {}) {
    this.#options = options;
    this.#request = encodeRequest(options.address);
  }

  get phase(): Phase {
    return this.#phase;
  }

  start(): ModeEEffect[] {
    this.#phase = 'identifying';
    this.#line = [];
    this.#attempts++;
    return [
      { type: 'configure', baudRate: OPENING_BAUD_RATE, dataBits: 7, parity: 'even' },
      { type: 'send', bytes: this.#request },
      { type: 'timer', ms: this.#options.timeoutMs ?? 2000 },
    ];
  }

  receive(bytes: Uint8Array): ModeEEffect[] {
    // Before the switch only our echoed ACK (or noise) can arrive: the meter waits for SNRM.
    if (this.#phase === 'selecting') {
      this.dropped += bytes.length;
      return [];
    }
    if (this.#phase !== 'identifying') return [];
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]! & 0x7f;
      if (c === 0x2f) this.#line = [];
      this.#line.push(c);
      if (c !== 0x0a || this.#line.length < 2 || this.#line[this.#line.length - 2] !== 0x0d) continue;
      const text = String.fromCharCode(...this.#line.slice(0, -2));
      this.#line = [];
      if (text === String.fromCharCode(...this.#request.subarray(0, -2))) continue;
      if (!text.startsWith('/')) continue;
      let id: MeterIdentification;
      try {
        id = parseIdentification(text);
      } catch (error) {
        this.#phase = 'failed';
        return [{ type: 'cancel-timer' }, { type: 'error', error: error as ModeEError }];
      }
      if (!id.capabilities.includes('2') && !this.#options.force) {
        this.#phase = 'failed';
        return [{ type: 'cancel-timer' }, { type: 'error', error: new ModeEError('DLMS_MODE_E_NO_HDLC', `mode E: meter ${id.manufacturer} "${id.identification}" does not announce HDLC (\\2); it may only support mode C readout`) }];
      }
      this.#identification = id;
      const offered = Object.entries(MODE_E_BAUD_RATES).filter(([, rate]) => rate <= id.baudRate && rate <= (this.#options.maxBaudRate ?? Infinity));
      const [baudChar, baudRate] = offered[offered.length - 1]!;
      this.#baudRate = baudRate;
      this.#select = encodeOptionSelect(baudChar);
      this.#phase = 'selecting';
      this.dropped += bytes.length - i - 1;
      return [{ type: 'cancel-timer' }, { type: 'send', bytes: this.#select }];
    }
    return [];
  }

  /** The shell reports that the option-select message has left the port (drained): switch. */
  sent(): ModeEEffect[] {
    if (this.#phase !== 'selecting') return [];
    this.#phase = 'opened';
    return [
      { type: 'configure', baudRate: this.#baudRate, dataBits: 8, parity: 'none' },
      { type: 'opened', identification: this.#identification!, baudRate: this.#baudRate },
    ];
  }

  timeout(): ModeEEffect[] {
    if (this.#phase !== 'identifying') return [];
    if (this.#attempts > (this.#options.retries ?? 2)) {
      this.#phase = 'failed';
      return [{ type: 'error', error: new ModeEError('DLMS_MODE_E_TIMEOUT', `mode E: no identification after ${this.#attempts} requests at 300 Bd 7E1; check the optical head's position and orientation`) }];
    }
    return this.start();
  }
}
