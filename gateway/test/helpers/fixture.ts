/** A gateway configuration in a fresh temporary folder, wired to a RecordingLedger. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partyIdFromPublicKey, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { pino, type Logger } from 'pino';
import { parseConfig, type GatewayConfig } from '../../src/config/schema.js';
import type { RecordingLedger } from './recording-ledger.js';

export interface Fixture {
  readonly dir: string;
  readonly gatewayKey: string;
  readonly intermediaryKey: string;
  readonly intermediaryId: string;
  readonly raw: Record<string, unknown>;
  readonly config: GatewayConfig;
  cleanup(): void;
}

/** `overrides` are merged one level deep into the raw config sections. */
export function makeFixture(ledger: RecordingLedger, overrides: Record<string, Record<string, unknown> | string | false> = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'wl-gateway-'));
  const gatewayKey = toHex(randomBytes(32));
  const intermediaryKey = toHex(randomBytes(32));
  const gatewayPublic = nodeEd25519.publicKeyOf(Buffer.from(gatewayKey, 'hex'));
  const intermediaryPublic = nodeEd25519.publicKeyOf(Buffer.from(intermediaryKey, 'hex'));
  const intermediaryId = partyIdFromPublicKey(intermediaryPublic);
  ledger.parties.set(partyIdFromPublicKey(gatewayPublic), gatewayPublic);
  ledger.parties.set(intermediaryId, intermediaryPublic);
  const base: Record<string, Record<string, unknown> | string | false> = {
    dataDir: join(dir, 'data'),
    identity: { key: gatewayKey, intermediaryId, intermediaryKey },
    mqtt: { embedded: { host: '127.0.0.1', port: 0 } },
    pipeline: { verifyWorkers: 1 },
    ledger: { url: ledger.url, registrySyncMs: 60_000, closeIntervals: false, retryMaxMs: 100 },
    http: { host: '127.0.0.1', port: 0 },
    log: { level: 'silent' },
  };
  const raw: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = base[key];
    raw[key] = typeof value === 'object' && value !== null && typeof current === 'object' && current !== null ? { ...current, ...value } : value;
  }
  return {
    dir,
    gatewayKey,
    intermediaryKey,
    intermediaryId,
    raw,
    config: parseConfig(raw),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A logger that keeps JSON lines in memory, to assert on what was logged. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}
