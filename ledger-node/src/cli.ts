/**
 * ledger-node command line:
 *   start --data DIR --genesis FILE [--port N] [--host H] [--key FILE]... [--workers N] [--etcd URL[,URL...] --node-id ID ...]
 *   cluster compare|status|forget|compact --etcd URL[,URL...]   (src/cluster/cluster-command.ts)
 *   verify-certificate FILE --headers FILE
 *   export-headers (--data DIR --genesis FILE | --url URL) [--out FILE]
 * `--key FILE`: an intermediary's Ed25519 secret key (64 hex digits) the node signs
 * certificate applications with. Exit status: 0 ok, 1 check failed, 2 usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fromHex, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { encodeHeader } from './core/block.js';
import { genesisHash, genesisToJson, parseGenesis, type Genesis } from './core/genesis.js';
import { HEADERS_FORMAT, type HeadersExport } from './certificate/claim.js';
import { verifyCertificate } from './certificate/verify-certificate.js';
import { LedgerStore } from './store/ledger-store.js';
import { startLedgerNode } from './start.js';
import { CLUSTER_USAGE, ClusterUsageError, ETCD_CLI_OPTIONS, ETCD_CLI_USAGE, etcdOptionsFromFlags, runClusterCommand } from './cluster/cluster-command.js';
import pino from 'pino';

const USAGE = `usage:
  ledger-node start --data DIR --genesis FILE [--port N] [--host H] [--key FILE]... [--workers N] [--etcd URL[,URL...] ...]
${ETCD_CLI_USAGE}
${CLUSTER_USAGE.replace('usage:\n', '')}
  ledger-node verify-certificate FILE --headers FILE
  ledger-node export-headers (--data DIR --genesis FILE | --url URL) [--out FILE]`;

class UsageError extends Error {}

function readGenesis(path: string): Genesis {
  return parseGenesis(JSON.parse(readFileSync(path, 'utf8')));
}

function need(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': return start(rest);
    case 'verify-certificate': return verify(rest);
    case 'export-headers': return exportHeaders(rest);
    case 'cluster': return runClusterCommand(rest);
    default:
      process.stderr.write(`${command === undefined ? 'no command' : `unknown command "${command}"`}\n${USAGE}\n`);
      return 2;
  }
}

async function start(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, genesis: { type: 'string' }, port: { type: 'string', default: '7300' }, host: { type: 'string', default: '127.0.0.1' }, key: { type: 'string', multiple: true }, workers: { type: 'string' }, ...ETCD_CLI_OPTIONS } });
  const etcd = etcdOptionsFromFlags(values);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: 0..65535 expected, got ${values.port}`);
  const signers = (values.key ?? []).map((file) => nodeEd25519.signer(fromHex(readFileSync(file, 'utf8').trim())));
  const running = await startLedgerNode({
    dataDir: need(values.data, '--data'), genesis: readGenesis(need(values.genesis, '--genesis')), port, host: values.host,
    certificateSigners: signers, ...(values.workers !== undefined ? { verifyWorkers: Number(values.workers) } : {}),
    ...(etcd ? { etcd: { ...etcd, nodeId: values['node-id'] ?? hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64), logger: pino({ name: 'ledger-cluster' }, pino.destination(2)) } } : {}),
  });
  process.stdout.write(`${JSON.stringify({ listening: running.url, height: running.node.head.height })}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  return 0;
}

async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { headers: { type: 'string' } } });
  const file = positionals[0];
  if (file === undefined) throw new UsageError('the certificate FILE is required');
  const certificate = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const headers = JSON.parse(readFileSync(need(values.headers, '--headers'), 'utf8')) as unknown;
  const result = verifyCertificate(certificate, headers, nodeEd25519);
  if (result.ok && result.claim !== undefined) {
    const c = result.claim;
    process.stdout.write(`OK: consumer ${c.consumer}, intermediary ${c.intermediary}, period ${c.periodStart}..${c.periodEnd}: ${c.usageWh} Wh used, ${c.renewableWh} Wh renewable (${result.renewablePercent} %), ${c.events.length} allocation entries proven against block ${c.headHeight}\n`);
    return 0;
  }
  for (const error of result.errors) process.stdout.write(`FAIL: ${error}\n`);
  return 1;
}

async function exportHeaders(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { data: { type: 'string' }, genesis: { type: 'string' }, url: { type: 'string' }, out: { type: 'string' } } });
  let exported: HeadersExport;
  if (values.url !== undefined) {
    const response = await fetch(new URL('/v1/headers', values.url));
    if (!response.ok) throw new Error(`GET /v1/headers answered ${response.status}`);
    exported = (await response.json()) as HeadersExport;
  } else {
    const genesis = readGenesis(need(values.genesis, '--genesis'));
    const store = new LedgerStore(join(need(values.data, '--data'), 'ledger.sqlite'));
    try {
      store.checkGenesis(toHex(genesisHash(genesis)));
      exported = { format: HEADERS_FORMAT, genesis: genesisToJson(genesis), genesisHash: toHex(genesisHash(genesis)), headers: store.headers(1, Number.MAX_SAFE_INTEGER).map((h) => toHex(encodeHeader(h))) };
    } finally {
      store.close();
    }
  }
  const text = `${JSON.stringify(exported)}\n`;
  if (values.out === undefined) process.stdout.write(text);
  else writeFileSync(values.out, text);
  return 0;
}

export function reportError(error: unknown): number {
  if (error instanceof UsageError || error instanceof ClusterUsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`ledger-node: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  process.stderr.write(`ledger-node: ${(error as Error).message}\n`);
  return 1;
}
