/**
 * Serial transport over node-serialport: the real `SerialPort` class for hardware, or
 * `SerialPortStream` with an injected binding (e.g. @serialport/binding-mock in tests).
 * Changing the framing (mode E: 300 Bd 7E1 to 9600 Bd 8N1) closes and reopens the port,
 * since node-serialport's `update` changes the baud rate only.
 */
import { SerialPort } from 'serialport';
import { SerialPortStream, type OpenOptions } from '@serialport/stream';
import { Listeners, TransportError, TransportErrorCode, type ByteTransport, type LineSettings } from './transport.js';

/** A node-serialport binding (the interface of @serialport/bindings-interface). */
export type SerialBinding = OpenOptions['binding'];

export interface SerialOptions extends LineSettings {
  readonly path: string;
  /** Injected binding (tests); the default is the platform binding of `serialport`. */
  readonly binding?: SerialBinding;
}

export const DEFAULT_SERIAL_SETTINGS: LineSettings = Object.freeze({ baudRate: 9600, dataBits: 8, parity: 'none' });

type Port = SerialPortStream;

function openPort(options: SerialOptions, settings: LineSettings): Promise<Port> {
  const common = { path: options.path, baudRate: settings.baudRate, dataBits: settings.dataBits, parity: settings.parity, stopBits: 1 as const, autoOpen: false };
  const port: Port = options.binding === undefined ? new SerialPort(common) : new SerialPortStream({ ...common, binding: options.binding });
  return new Promise((resolve, reject) => {
    port.open((error) => (error ? reject(new TransportError(TransportErrorCode.CONNECT, `serial ${options.path}: ${error.message}`, { cause: error })) : resolve(port)));
  });
}

function closePort(port: Port): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) {
      resolve();
      return;
    }
    port.close(() => resolve());
  });
}

export async function openSerialTransport(options: SerialOptions): Promise<ByteTransport & { readonly settings: LineSettings }> {
  const name = `serial ${options.path}`;
  const data = new Listeners<[Uint8Array]>();
  const closed = new Listeners<[Error | undefined]>();
  let settings: LineSettings = { baudRate: options.baudRate, dataBits: options.dataBits, parity: options.parity };
  let reopening = false;
  let ended = false;

  const attach = (p: Port): Port => {
    p.on('data', (chunk: Buffer) => data.emit(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    p.on('close', (error?: Error) => {
      if (reopening || ended) return;
      ended = true;
      closed.emit(error ? new TransportError(TransportErrorCode.CLOSED, `${name}: ${error.message}`, { cause: error }) : undefined);
    });
    p.on('error', () => {});
    return p;
  };
  let port = attach(await openPort(options, settings));

  return {
    name,
    get settings() {
      return settings;
    },
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (error) =>
          error ? reject(new TransportError(TransportErrorCode.IO, `${name}: ${error.message}`, { cause: error })) : resolve(),
        );
      }),
    drain: () => new Promise<void>((resolve, reject) => port.drain((error) => (error ? reject(new TransportError(TransportErrorCode.IO, `${name}: ${error.message}`)) : resolve()))),
    onData: (listener) => data.add(listener),
    onClose: (listener) => closed.add(listener),
    async reconfigure(next: LineSettings) {
      if (next.dataBits === settings.dataBits && next.parity === settings.parity) {
        await new Promise<void>((resolve, reject) => port.update({ baudRate: next.baudRate }, (error) => (error ? reject(error) : resolve())));
      } else {
        reopening = true;
        try {
          await closePort(port);
          port = attach(await openPort(options, next));
        } finally {
          reopening = false;
        }
      }
      settings = next;
    },
    async close() {
      ended = true;
      await closePort(port);
    },
  };
}
