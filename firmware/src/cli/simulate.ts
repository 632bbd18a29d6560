/**
 * `wattledger-meter simulate`: N virtual meters against a broker, each with its own storage
 * directory, on one clock running `speed` times faster than real time. Progress once a
 * second; Ctrl-C stops every meter gracefully (register persisted, "offline" published).
 */
import { join } from 'node:path';
import { SystemClock } from '../platform/node/system-clock.js';
import { createVirtualMeter, type VirtualMeter } from '../virtual-meter.js';
import { parseRole, parseSource, parseStart, UsageError, type RoleSpec } from './args.js';

export interface SimulateOptions {
  readonly count: number;
  readonly roles: ReadonlyArray<string>;
  readonly broker: string;
  readonly speed: number;
  readonly data: string;
  readonly start?: string;
  readonly interval?: number;
  readonly intermediaryKey?: string;
  readonly source?: string;
  readonly username?: string;
  readonly password?: string;
  readonly durationS?: number;
  readonly verbose?: boolean;
}

export async function simulate(options: SimulateOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > 10_000) throw new UsageError('--count must be an integer 1..10000');
  if (!(options.speed > 0)) throw new UsageError('--speed must be a positive number');
  const roles: RoleSpec[] = (options.roles.length === 0 ? ['producer:solar'] : options.roles).map(parseRole);
  const startMs = parseStart(options.start);
  const clock = new SystemClock({ speed: options.speed, ...(startMs === undefined ? {} : { startMs }) });
  const meters: VirtualMeter[] = [];
  for (let i = 0; i < options.count; i++) {
    const role = roles[i % roles.length]!;
    const source = options.source === undefined ? undefined : parseSource(options.source, i + 1);
    const meter = createVirtualMeter({
      storageDir: join(options.data, `meter-${String(i).padStart(4, '0')}`),
      role: role.role,
      ...(role.productionMethod === undefined ? {} : { productionMethod: role.productionMethod as never }),
      source: source ?? (role.role === 'producer' ? { kind: 'solar', peakWatts: 3000 + ((i * 997) % 7000), seed: i + 1 } : { kind: 'household', averageWatts: 250 + ((i * 389) % 500), seed: i + 1 }),
      brokerUrl: options.broker,
      clock,
      ...(options.interval === undefined ? {} : { intervalLength: options.interval }),
      ...(options.intermediaryKey === undefined ? {} : { intermediaryPublicKey: options.intermediaryKey }),
      credentials: { ...(options.username === undefined ? {} : { username: options.username }), ...(options.password === undefined ? {} : { password: options.password }) },
      ...(options.verbose ? { log: (level, message) => out.write(`[meter ${i}] ${level} ${message}\n`) } : {}),
    });
    meters.push(meter);
    out.write(`meter ${i} ${meter.meterId} ${meter.provisioning.role}${role.productionMethod ? `:${role.productionMethod}` : ''} key ${meter.publicKeyHex}\n`);
  }
  for (const m of meters) m.start();

  const progress = (): string => {
    const stats = meters.map((m) => m.stats());
    const sum = (f: (s: (typeof stats)[number]) => number) => stats.reduce((a, s) => a + f(s), 0);
    const now = new Date(clock.nowMs()).toISOString().slice(0, 16).replace('T', ' ');
    return `${now}Z  online ${stats.filter((s) => s.phase === 'online').length}/${meters.length}  sealed ${sum((s) => s.sealed)}  published ${sum((s) => s.readingsPublished)}  queued ${sum((s) => s.queued)}  acked-to ${Math.min(...stats.map((s) => s.ackedSeq))}..${Math.max(...stats.map((s) => s.ackedSeq))}  rejected ${sum((s) => s.rejectedAcks + s.rejectedConfigs)}`;
  };
  const timer = setInterval(() => out.write(`${progress()}\n`), 1000);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) {
        out.write('second interrupt: exiting without a clean stop\n');
        process.exit(130);
      }
      stopping = true;
      resolve();
    };
    process.on('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (options.durationS !== undefined) setTimeout(stop, options.durationS * 1000).unref();
  });
  clearInterval(timer);
  out.write(`stopping ${meters.length} meters...\n`);
  await Promise.all(meters.map((m) => m.stop()));
  out.write(`${progress()}\nstopped cleanly\n`);
}
