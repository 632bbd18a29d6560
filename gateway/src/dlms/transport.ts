/**
 * The byte transports under the DLMS link layers: a TCP socket or a serial port. A transport
 * moves bytes and nothing else; HDLC, the wrapper and mode E run above it.
 */
import { DlmsError, DlmsLayer } from '@wattledger/protocol/dlms';

export interface LineSettings {
  readonly baudRate: number;
  readonly dataBits: 7 | 8;
  readonly parity: 'none' | 'even';
}

export interface ByteTransport {
  /** Human-readable endpoint, e.g. "tcp 127.0.0.1:4059" or "serial /dev/ttyUSB0". */
  readonly name: string;
  write(bytes: Uint8Array): Promise<void>;
  /** Resolves once written bytes have left the port (serial drain; TCP: flushed to the kernel). */
  drain(): Promise<void>;
  onData(listener: (bytes: Uint8Array) => void): void;
  onClose(listener: (error?: Error) => void): void;
  /** Serial only: change baud rate and framing (mode E switches from 300 Bd 7E1 to 8N1). */
  reconfigure?(settings: LineSettings): Promise<void>;
  close(): Promise<void>;
}

export const TransportErrorCode = Object.freeze({
  CONNECT: 'DLMS_TRANSPORT_CONNECT',
  CLOSED: 'DLMS_TRANSPORT_CLOSED',
  TIMEOUT: 'DLMS_TRANSPORT_TIMEOUT',
  IO: 'DLMS_TRANSPORT_IO',
} as const);
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

/** The socket or port failed: could not connect, closed under us, or stayed silent. */
export class TransportError extends DlmsError {
  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(DlmsLayer.TRANSPORT, code, message, options);
  }
}

/** Fan-out helper the transports share. */
export class Listeners<T extends unknown[]> {
  #list: Array<(...args: T) => void> = [];
  add(listener: (...args: T) => void): void {
    this.#list.push(listener);
  }
  emit(...args: T): void {
    for (const l of this.#list) l(...args);
  }
}
