/** Command line of `npm start` (the demo). Pure: the defaults that depend on the host are passed in. */

export interface DemoCliOptions {
  readonly startMs: number;
  readonly hours: number;
  readonly speed: number;
  readonly outDir: string | undefined;
  readonly help: boolean;
}

export class UsageError extends Error {
  readonly code = 'USAGE';
  override get name(): string {
    return 'UsageError';
  }
}

/** 2026-06-21T00:00Z: the June solstice, a long sunny day for the solar producers. */
export const DEFAULT_START_MS = Date.UTC(2026, 5, 21);
/** Real seconds for one simulated day by default. */
export const DEFAULT_DAY_SECONDS = 20;
/** At most this fast: a 30-minute interval still lasts 150 ms, time for its readings to be acknowledged before the next. */
export const MAX_SPEED = 12_000;

export const USAGE = `usage: npm start -- [options]
  --out DIR           output folder (default: ./out/demo-<timestamp>)
  --hours H           simulated hours, a multiple of 0.5 (default 24)
  --start ISO         simulated start, UTC, on a half hour (default 2026-06-21T00:00:00Z)
  --day-seconds S     real seconds per simulated day (default ${DEFAULT_DAY_SECONDS}); or
  --speed X           simulated seconds per real second (default ${86_400 / DEFAULT_DAY_SECONDS}, at most ${MAX_SPEED})
  --help`;

export function parseDemoArgs(args: readonly string[]): DemoCliOptions {
  let startMs = DEFAULT_START_MS;
  let hours = 24;
  let speed = 86_400 / DEFAULT_DAY_SECONDS;
  let outDir: string | undefined;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    const positive = (what: string, text: string): number => {
      const n = Number(text);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what} must be a positive number, got ${JSON.stringify(text)}`);
      return n;
    };
    switch (arg) {
      case '--out':
        outDir = value();
        break;
      case '--hours':
        hours = positive('--hours', value());
        if (!Number.isInteger(hours * 2)) throw new UsageError(`--hours must be a multiple of 0.5, got ${hours}`);
        break;
      case '--start': {
        const text = value();
        startMs = Date.parse(text);
        if (!Number.isFinite(startMs)) throw new UsageError(`--start: not a date: ${JSON.stringify(text)}`);
        if (startMs % 1_800_000 !== 0) throw new UsageError(`--start must be on a half hour (UTC), got ${text}`);
        break;
      }
      case '--day-seconds':
        speed = 86_400 / positive('--day-seconds', value());
        break;
      case '--speed':
        speed = positive('--speed', value());
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    }
  }
  if (speed < 1) throw new UsageError('the simulated clock cannot run slower than real time (--speed >= 1)');
  if (speed > MAX_SPEED) throw new UsageError(`at most ${MAX_SPEED}x (--day-seconds ${Math.ceil(86_400 / MAX_SPEED)}): faster, meters would seal intervals before the last ones are acknowledged`);
  return { startMs, hours, speed, outDir, help };
}

/** out/demo-2026-11-21T10-31-36Z */
export function defaultOutName(nowMs: number): string {
  return `demo-${new Date(nowMs).toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
}
