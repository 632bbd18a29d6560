/** Command-line values for the simulator: roles and sources as written on the command line. */
import { productionMethodByName } from '@wattledger/protocol';
import type { SourceSpec } from '../virtual-meter.js';

export interface RoleSpec {
  readonly role: 'producer' | 'consumer';
  readonly productionMethod?: string;
}

export class UsageError extends Error {
  readonly code = 'USAGE';
}

/** `producer:solar`, `producer:wind`, `consumer` */
export function parseRole(text: string): RoleSpec {
  const [role, method] = text.split(':');
  if (role === 'consumer' && method === undefined) return { role };
  if (role === 'producer') {
    const name = method ?? 'solar';
    if (productionMethodByName(name) === undefined) throw new UsageError(`--role ${text}: unknown production method "${name}"`);
    return { role, productionMethod: name };
  }
  throw new UsageError(`--role ${text}: expected producer[:method] or consumer`);
}

/** `solar:5000`, `household:400`, `constant:2000` (watts) */
export function parseSource(text: string, seed: number): SourceSpec {
  const [kind, watts] = text.split(':');
  const w = watts === undefined ? undefined : Number(watts);
  if (w !== undefined && !(w >= 0)) throw new UsageError(`--source ${text}: watts must be a non-negative number`);
  if (kind === 'solar') return { kind, ...(w === undefined ? {} : { peakWatts: w }), seed };
  if (kind === 'household') return { kind, ...(w === undefined ? {} : { averageWatts: w }), seed };
  if (kind === 'constant') return { kind, watts: w ?? 1000 };
  throw new UsageError(`--source ${text}: expected solar[:peakW], household[:avgW] or constant[:W]`);
}

export function parseStart(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`--start ${text}: not a date (e.g. 2026-06-21T06:00:00Z)`);
  return ms;
}
