/**
 * The operations endpoint: GET /metrics (Prometheus text 0.0.4) and GET /health (JSON; 200
 * when the gateway can take readings, 503 otherwise).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../errors.js';

export interface HealthReport {
  readonly ok: boolean;
  readonly [key: string]: unknown;
}

export interface OpsHttpServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startOpsServer(host: string, port: number, metrics: () => string, health: () => HealthReport): Promise<OpsHttpServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics());
    } else if (path === '/health') {
      const report = health();
      response.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(report)}\n`);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /health\n');
    }
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', (error) => reject(new ConfigError('http.port', `cannot listen on ${host}:${port}: ${error.message}`, { cause: error })));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
