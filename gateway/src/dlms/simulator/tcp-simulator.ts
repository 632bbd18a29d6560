/** The simulated meter on a TCP port: HDLC over TCP or the IEC 62056-47 wrapper. */
import { createServer, type Socket } from 'node:net';
import { MeterModel, type SimulatedMeterOptions } from './meter-model.js';
import { serveHdlc, serveWrapper, type ServeOptions } from './serve.js';

export interface TcpSimulatorOptions extends ServeOptions {
  readonly framing?: 'hdlc' | 'wrapper';
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly meter?: MeterModel | SimulatedMeterOptions;
}

export interface TcpMeterSimulator {
  readonly host: string;
  readonly port: number;
  readonly framing: 'hdlc' | 'wrapper';
  readonly meter: MeterModel;
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpMeterSimulator(options: TcpSimulatorOptions = {}): Promise<TcpMeterSimulator> {
  const meter = options.meter instanceof MeterModel ? options.meter : new MeterModel(options.meter);
  const framing = options.framing ?? 'hdlc';
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const stream = {
      write: (bytes: Uint8Array) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      onData: (listener: (bytes: Uint8Array) => void) => socket.on('data', (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))),
    };
    if (framing === 'hdlc') serveHdlc(stream, meter, options);
    else serveWrapper(stream, meter, options);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host,
    port,
    framing,
    meter,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
