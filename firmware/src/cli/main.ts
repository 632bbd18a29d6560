/**
 * wattledger-meter: the meter firmware on Node.
 *
 *   wattledger-meter simulate --count N [--role producer:solar]... --broker mqtt://127.0.0.1:1883
 *                             --speed 600 --data DIR [--start ISO] [--interval 1800]
 *                             [--source solar:5000] [--intermediary-key HEX] [--duration S] [--verbose]
 *   wattledger-meter run --provisioning FILE --data DIR [--source solar:5000] [--speed 1]
 *   wattledger-meter info --data DIR
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { BadProvisioningError, FirmwareError } from '../core/errors.js';
import { MeterCore } from '../core/meter-core.js';
import { parseProvisioning } from '../core/provisioning.js';
import { FileStorage } from '../platform/node/file-storage.js';
import { nodeRandom } from '../platform/node/node-random.js';
import { createVirtualMeter } from '../virtual-meter.js';
import { parseSource, UsageError } from './args.js';
import { simulate } from './simulate.js';

const USAGE = `usage:
  wattledger-meter simulate --count N [--role producer:solar|producer:wind|consumer]... --broker URL --speed X --data DIR
                            [--start 2026-06-21T06:00:00Z] [--interval 1800] [--source solar:5000|household:400|constant:2000]
                            [--intermediary-key HEX] [--username U --password P] [--duration SECONDS] [--verbose]
  wattledger-meter run --provisioning FILE --data DIR [--source solar:5000] [--speed 1]
  wattledger-meter info --data DIR
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      count: { type: 'string' }, role: { type: 'string', multiple: true }, broker: { type: 'string' }, speed: { type: 'string' },
      data: { type: 'string' }, start: { type: 'string' }, interval: { type: 'string' }, source: { type: 'string' },
      'intermediary-key': { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, duration: { type: 'string' },
      provisioning: { type: 'string' }, verbose: { type: 'boolean' },
    },
    strict: true,
  });
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string') throw new UsageError(`--${name} is required`);
    return v;
  };
  switch (command) {
    case 'simulate':
      return simulate({
        count: Number(values.count ?? 1), roles: values.role ?? [], broker: values.broker ?? 'mqtt://127.0.0.1:1883', speed: Number(values.speed ?? 1), data: need('data'),
        ...(values.start === undefined ? {} : { start: values.start }),
        ...(values.interval === undefined ? {} : { interval: Number(values.interval) }),
        ...(values['intermediary-key'] === undefined ? {} : { intermediaryKey: values['intermediary-key'] }),
        ...(values.source === undefined ? {} : { source: values.source }),
        ...(values.username === undefined ? {} : { username: values.username }),
        ...(values.password === undefined ? {} : { password: values.password }),
        ...(values.duration === undefined ? {} : { durationS: Number(values.duration) }),
        verbose: values.verbose === true,
      });
    case 'run': {
      const file = need('provisioning');
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (cause) {
        throw new BadProvisioningError(`cannot read provisioning file ${file}: ${(cause as Error).message}`);
      }
      const p = parseProvisioning(json);
      const meter = createVirtualMeter({
        storageDir: need('data'), fsync: true, role: p.role, productionMethod: p.productionMethod, brokerUrl: p.brokerUrl, intermediaryId: p.intermediaryId,
        intermediaryPublicKey: p.intermediaryPublicKey, intervalLength: p.intervalLength, speed: Number(values.speed ?? 1),
        credentials: { ...(p.username === undefined ? {} : { username: p.username }), ...(p.password === undefined ? {} : { password: p.password }) },
        ...(values.source === undefined ? {} : { source: parseSource(values.source, 1) }),
        log: (level, message) => process.stdout.write(`${new Date().toISOString()} ${level} ${message}\n`),
        onEvent: (e) => {
          if (e.type === 'sealed') process.stdout.write(`reading ${e.seq}: ${e.reading.intervalStart} +${e.reading.intervalLength}s import ${e.reading.importedWh} Wh export ${e.reading.exportedWh} Wh flags ${e.reading.flags}\n`);
          if (e.type === 'acked') process.stdout.write(`acked up to ${e.seq}\n`);
        },
      });
      process.stdout.write(`meter ${meter.meterId} key ${meter.publicKeyHex}\n`);
      meter.start();
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await meter.stop();
      process.stdout.write('stopped cleanly\n');
      return;
    }
    case 'info': {
      const storage = new FileStorage(need('data'));
      const core = new MeterCore({ storage, random: nodeRandom, ed25519: nodeEd25519 });
      const snapshot = core.snapshot();
      process.stdout.write(`${JSON.stringify({ meterId: core.meterId, publicKey: toHex(core.publicKey), role: core.provisioning.role, brokerUrl: core.brokerUrl(), intervalLength: core.intervalLength(), newestSeq: snapshot.sealedSeq, queued: snapshot.queued, importedMWh: snapshot.importedMWh, exportedMWh: snapshot.exportedMWh }, null, 2)}\n`);
      storage.close();
      return;
    }
    default:
      process.stderr.write(USAGE);
      process.exitCode = 2;
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof FirmwareError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    process.stderr.write(`wattledger-meter: ${(error as Error).message}\n${error instanceof UsageError ? USAGE : ''}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
