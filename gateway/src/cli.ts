/**
 * wattledger-gateway: the operator's command line.
 *
 *   wattledger-gateway start --config FILE          run the gateway (YAML or JSON config)
 *   wattledger-gateway check-config --config FILE   validate a config and print it resolved
 *   wattledger-gateway credential --config FILE --meter ID
 *                                                   issue (or replace) a meter's MQTT credential
 *   wattledger-gateway mosquitto-acl [--gateway-user NAME]
 *                                                   print a Mosquitto ACL for external broker mode
 *   wattledger-gateway dlms ...                     the DLMS bridge (gateway/src/dlms/cli.ts)
 *   wattledger-gateway pair ...                     the technician's pairing tool (same as wattledger-pair)
 */
import { parseArgs } from 'node:util';
import { loadConfigFile } from './config/load.js';
import { GatewayError } from './errors.js';
import { startGateway } from './gateway.js';
import { CredentialStore } from './ingress/credentials.js';
import { mosquittoAcl } from './ingress/external-broker.js';
import { Journal } from './journal/journal.js';

const USAGE = `usage:
  wattledger-gateway start --config FILE
  wattledger-gateway check-config --config FILE
  wattledger-gateway credential --config FILE --meter METER_ID
  wattledger-gateway mosquitto-acl [--gateway-user NAME]
  wattledger-gateway dlms <command> [options]   (see: wattledger-gateway dlms --help)
  wattledger-gateway pair [options]             (see: wattledger-gateway pair --help)
`;

class UsageError extends Error {}

function configPath(args: string[]): { config: string; values: Record<string, string | boolean | undefined> } {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, meter: { type: 'string' } }, strict: true });
  if (values.config === undefined) throw new UsageError('--config FILE is required');
  return { config: values.config, values };
}

async function start(args: string[]): Promise<void> {
  const config = loadConfigFile(configPath(args).config);
  const gateway = await startGateway(config);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`wattledger-gateway: ${signal}, stopping\n`);
    gateway.close().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`wattledger-gateway: error while stopping: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** The DLMS bridge (gateway/src/dlms) is loaded only when asked for. */
async function dlms(args: string[]): Promise<number> {
  const { runDlmsCommand } = await import('./dlms/cli.js');
  return runDlmsCommand(args);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      await start(rest);
      return -1; // keeps running
    case 'check-config': {
      const config = loadConfigFile(configPath(rest).config);
      process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      return 0;
    }
    case 'credential': {
      const { config: file, values } = configPath(rest);
      if (typeof values['meter'] !== 'string') throw new UsageError('--meter METER_ID is required');
      const journal = new Journal(loadConfigFile(file).dataDir);
      try {
        process.stdout.write(`${new CredentialStore(journal.db).issue(values['meter'])}\n`);
      } finally {
        journal.close();
      }
      return 0;
    }
    case 'mosquitto-acl': {
      const { values } = parseArgs({ args: rest, options: { 'gateway-user': { type: 'string' } }, strict: true });
      process.stdout.write(mosquittoAcl(values['gateway-user'] ?? 'wattledger-gateway'));
      return 0;
    }
    case 'dlms':
      return dlms(rest);
    case 'pair': {
      const { runPairCommand } = await import('./pairing/technician/pair-command.js');
      return runPairCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Prints a failure as one line (a usage error also prints the usage); returns the exit status. */
export function reportError(error: unknown): number {
  if (error instanceof UsageError || (error instanceof Error && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`wattledger-gateway: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (error instanceof GatewayError) {
    process.stderr.write(`wattledger-gateway: ${error.message}\n`);
    return error.code === 'BAD_CONFIG' ? 2 : 1;
  }
  if (error instanceof TypeError || error instanceof RangeError) {
    process.stderr.write(`wattledger-gateway: ${error.message}\n`);
    return 2;
  }
  process.stderr.write(`wattledger-gateway: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (status) => {
      if (status >= 0) process.exit(status);
    },
    (error) => process.exit(reportError(error)),
  );
}
