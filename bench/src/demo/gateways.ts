/**
 * One gateway per intermediary (the patent's intermediary server), each with its embedded
 * aedes broker on a free port, its journal under the demo's data folder and its log in a file.
 * The gateways take the simulated clock as "now" (plausibility, interval closing).
 */
import { join } from 'node:path';
import pino from 'pino';
import { toHex } from '@wattledger/protocol';
import { parseConfig, startGateway, type Gateway } from '@wattledger/gateway';
import type { Cast } from './cast.js';
import type { IntermediaryName } from './scenario.js';

export interface DemoGateway {
  readonly intermediary: IntermediaryName;
  readonly gateway: Gateway;
  readonly logFile: string;
}

export interface GatewayOptions {
  readonly dataDir: string;
  readonly ledgerUrl: string;
  readonly now: () => number;
  /** close-interval this many simulated seconds after an interval's end. */
  readonly closeGraceS: number;
}

export async function startGateways(cast: Cast, options: GatewayOptions): Promise<DemoGateway[]> {
  const started: DemoGateway[] = [];
  try {
    for (const [name, intermediary] of cast.intermediaries) {
      const gatewayParty = cast.gateways.get(name)!;
      const logFile = join(options.dataDir, `gateway-${name}.log`);
      const logger = pino({ level: 'info', base: { gateway: name } }, pino.destination({ dest: logFile, sync: true, mkdir: true }));
      const config = parseConfig({
        dataDir: join(options.dataDir, `gateway-${name}`),
        identity: { key: toHex(gatewayParty.seed), intermediaryId: intermediary.id, intermediaryKey: toHex(intermediary.seed) },
        mqtt: { embedded: { host: '127.0.0.1', port: 0 } },
        pipeline: { verifyWorkers: 1 },
        ledger: { url: options.ledgerUrl, registrySyncMs: 60_000, closeIntervals: true, closeGraceS: options.closeGraceS, closeCheckMs: 50, retryMaxMs: 250 },
        http: false,
        log: { level: 'info' },
      });
      started.push({ intermediary: name, gateway: await startGateway(config, { now: options.now, logger }), logFile });
    }
    return started;
  } catch (error) {
    await Promise.all(started.map((g) => g.gateway.close()));
    throw error;
  }
}
