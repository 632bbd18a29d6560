/** TCP transport for DLMS (HDLC over TCP, or the IEC 62056-47 wrapper). */
import { connect, type Socket } from 'node:net';
import { Listeners, TransportError, TransportErrorCode, type ByteTransport } from './transport.js';

export interface TcpEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Parses "host:port" (IPv6 as "[::1]:4059"). */
export function parseHostPort(text: string, defaultPort = 4059): TcpEndpoint {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d{1,5}))?$/.exec(text.trim());
  if (match === null) throw new RangeError(`"${text}" is not host:port`);
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port < 1 || port > 65535) throw new RangeError(`port ${port} out of range`);
  return { host: match[1] ?? match[2]!, port };
}

export async function openTcpTransport(endpoint: TcpEndpoint, options: { connectTimeoutMs?: number } = {}): Promise<ByteTransport> {
  const socket: Socket = connect({ host: endpoint.host, port: endpoint.port });
  socket.setNoDelay(true);
  const name = `tcp ${endpoint.host}:${endpoint.port}`;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportError(TransportErrorCode.CONNECT, `${name}: no TCP connection within ${options.connectTimeoutMs ?? 5000} ms`));
    }, options.connectTimeoutMs ?? 5000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (cause) => {
      clearTimeout(timer);
      reject(new TransportError(TransportErrorCode.CONNECT, `${name}: ${cause.message}`, { cause }));
    });
  });
  return socketTransport(socket, name);
}

/** Wraps a connected socket (client side, or a simulator's accepted connection). */
export function socketTransport(socket: Socket, name: string): ByteTransport {
  const data = new Listeners<[Uint8Array]>();
  const closed = new Listeners<[Error | undefined]>();
  let failure: Error | undefined;
  socket.on('data', (chunk: Buffer) => data.emit(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  socket.on('error', (cause) => {
    failure = new TransportError(TransportErrorCode.IO, `${name}: ${cause.message}`, { cause });
  });
  socket.on('close', () => closed.emit(failure));
  return {
    name,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (socket.destroyed) {
          reject(new TransportError(TransportErrorCode.CLOSED, `${name}: connection closed`));
          return;
        }
        socket.write(bytes, (error) => (error ? reject(new TransportError(TransportErrorCode.IO, `${name}: ${error.message}`, { cause: error })) : resolve()));
      }),
    drain: async () => {},
    onData: (listener) => data.add(listener),
    onClose: (listener) => closed.add(listener),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) {
          resolve();
          return;
        }
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => socket.destroy(), 200).unref();
      }),
  };
}
