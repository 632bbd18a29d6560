/**
 * The registrar's HTTPS endpoint (plain HTTP when no certificate is configured, e.g. on
 * 127.0.0.1 in tests):
 *
 *   POST /v1/pairing/enroll     application/cose (signed request)  -> 200 application/cbor
 *   POST /v1/pairing/register   application/cose (signed request)  -> 200 application/cbor
 *   POST /v1/pairing/cancel     application/cose (signed request)  -> 200 application/cbor
 *   GET  /v1/pairing                                               -> 200 JSON {intermediaryId, ...}
 *
 * A refusal answers the RegistrarError's status with JSON {"error": code, "message": line}.
 * Authentication is the technician's Ed25519 signature inside the body (technician-credential.ts),
 * so TLS protects the MQTT password in the enroll answer, not the technician's identity.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ConfigError } from '../errors.js';
import { RegistrarError } from './errors.js';
import { RegistrarRequestKind, type Registrar } from './registrar.js';

export interface RegistrarServerOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  readonly info: Readonly<Record<string, unknown>>;
  readonly logger?: Logger;
}

export interface RegistrarServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024;
const ROUTES: Readonly<Record<string, string>> = Object.freeze({
  '/v1/pairing/enroll': RegistrarRequestKind.ENROLL,
  '/v1/pairing/register': RegistrarRequestKind.REGISTER,
  '/v1/pairing/cancel': RegistrarRequestKind.CANCEL,
});

function json(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(value)}\n`);
}

function readBody(request: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

export async function startRegistrarServer(registrar: Registrar, options: RegistrarServerOptions): Promise<RegistrarServer> {
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method === 'GET' && path === '/v1/pairing') return json(response, 200, { ...options.info, stats: registrar.stats() });
    const kind = ROUTES[path];
    if (kind === undefined) return json(response, 404, { error: 'NOT_FOUND', message: 'try POST /v1/pairing/enroll or /v1/pairing/register' });
    if (request.method !== 'POST') return json(response, 405, { error: 'METHOD', message: `${path} takes POST` });
    void (async () => {
      const body = await readBody(request);
      if (body === undefined) return json(response, 413, { error: 'BAD_REQUEST', message: `request body exceeds ${MAX_BODY_BYTES} bytes` });
      try {
        const answer = await registrar.handle(kind, body);
        response.writeHead(200, { 'content-type': 'application/cbor' }).end(answer);
      } catch (error) {
        if (error instanceof RegistrarError) return json(response, error.status, { error: error.code, message: error.message });
        options.logger?.error({ err: error }, 'pairing registrar failed');
        json(response, 500, { error: 'INTERNAL', message: 'the registrar failed; see the gateway log' });
      }
    })().catch(() => response.destroy());
  };
  let server: Server;
  if (options.tls !== undefined) {
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(options.tls.certFile);
      key = readFileSync(options.tls.keyFile);
    } catch (cause) {
      throw new ConfigError('pairing.tls', `cannot read the registrar's certificate or key: ${(cause as Error).message}`, { cause });
    }
    server = createHttpsServer({ cert, key }, handler);
  } else {
    server = createHttpServer(handler);
  }
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error) => reject(new ConfigError('pairing.port', `cannot listen on ${options.host}:${options.port}: ${error.message}`, { cause: error })));
    server.listen(options.port, options.host, () => resolve((server.address() as AddressInfo).port));
  });
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
