/**
 * The end-to-end demo (issue 5, item 5): one ledger node on its embedded sequencer, one
 * gateway per intermediary with its embedded aedes broker, the patent's scenario metered by
 * the real firmware on an accelerated clock over MQTT; then the per-consumer tally from the
 * meters and the allocation events, and the certificate application written and verified.
 *
 *   const result = await runDemo({ startMs, hours: 24, speed: 4320, outDir });
 *
 * Everything started here is stopped before it returns or throws (also on `signal` abort).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SystemClock } from '@wattledger/firmware';
import { startLedgerNode, type RunningLedgerNode } from '@wattledger/ledger-node';
import { createCast, partyOf, type Cast } from './cast.js';
import { writeCertificate, type WrittenCertificate } from './certificate.js';
import { createFleet, meterIdentities, type FleetMeter } from './fleet.js';
import { startGateways, type DemoGateway } from './gateways.js';
import { getJson, submitBatch } from './ledger-api.js';
import { demoGenesis, setupTxs } from './ledger-setup.js';
import { silentProgress, type ProgressSink, type ProgressSnapshot } from './progress.js';
import { PATENT_SCENARIO, type Scenario } from './scenario.js';
import { tallyConsumers, type AllocationEventView, type ConsumerTally } from './tally.js';
import { formatConsumerTable } from './table.js';

export interface DemoOptions {
  readonly scenario?: Scenario;
  /** Simulated start, Unix ms, aligned to the scenario's interval. */
  readonly startMs: number;
  /** Simulated duration, whole intervals. */
  readonly hours: number;
  /** Simulated ms per real ms. */
  readonly speed: number;
  readonly outDir: string;
  readonly progress?: ProgressSink;
  readonly signal?: AbortSignal;
  /** Called with the running ledger after the tally and certificate, before everything stops (tests compare here). */
  readonly inspect?: (context: DemoContext) => Promise<void>;
}

export interface DemoContext {
  readonly ledgerUrl: string;
  readonly cast: Cast;
  readonly result: DemoResult;
}

export interface DemoResult {
  readonly outDir: string;
  readonly periodStartS: number;
  readonly periodEndS: number;
  readonly consumers: readonly ConsumerTally[];
  readonly table: string;
  /** Party id -> scenario name. */
  readonly names: ReadonlyMap<string, string>;
  readonly certificate: WrittenCertificate;
  readonly readings: { readonly sealed: number; readonly rejected: Readonly<Record<string, number>>; readonly intervalsClosed: Readonly<Record<string, number>> };
  /** Real time of the simulated period, ms. */
  readonly simulationMs: number;
}

export class DemoAbortedError extends Error {
  readonly code = 'DEMO_ABORTED';
  override get name(): string {
    return 'DemoAbortedError';
  }
}

/** The demo cannot start as asked (one line for the user). */
export class DemoSetupError extends Error {
  readonly code = 'DEMO_SETUP';
  override get name(): string {
    return 'DemoSetupError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A meter gets this much real time to see its ack (the firmware counts it in simulated time). */
const ACK_TIMEOUT_REAL_MS = 5000;

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const scenario = options.scenario ?? PATENT_SCENARIO;
  const intervalMs = scenario.intervalS * 1000;
  if (options.startMs % intervalMs !== 0) throw new RangeError(`demo: start must be aligned to ${scenario.intervalS} s intervals`);
  if (!((options.hours * 3_600_000) % intervalMs === 0 && options.hours > 0)) throw new RangeError(`demo: duration must be a positive whole number of ${scenario.intervalS / 60}-minute intervals`);
  if (!(options.speed >= 1)) throw new RangeError('demo: speed must be at least 1');
  const progress = options.progress ?? silentProgress;
  const startMs = options.startMs;
  const endMs = startMs + options.hours * 3_600_000;
  const periodStartS = startMs / 1000;
  const periodEndS = endMs / 1000;
  const dataDir = join(options.outDir, 'data');
  if (existsSync(options.outDir) && readdirSync(options.outDir).length > 0) throw new DemoSetupError(`output folder ${options.outDir} is not empty: give a new or empty folder (the ledger starts from its genesis)`);
  mkdirSync(dataDir, { recursive: true });
  const aborted = (): boolean => options.signal?.aborted === true;
  const checkAbort = (): void => {
    if (aborted()) throw new DemoAbortedError('interrupted');
  };

  const cast = createCast(scenario);
  const identities = meterIdentities(scenario);
  let ledger: RunningLedgerNode | undefined;
  let gateways: DemoGateway[] = [];
  let fleet: FleetMeter[] = [];
  let clock: SystemClock | undefined;
  try {
    ledger = await startLedgerNode({ dataDir: join(dataDir, 'ledger'), genesis: demoGenesis(scenario, cast), port: 0, verifyWorkers: 1, certificateSigners: [...cast.intermediaries.values()].map((i) => i.signer) });
    const setup = await submitBatch(ledger.url, setupTxs(scenario, cast, identities));
    const refused = setup.filter((r) => r.status !== 'applied');
    if (refused.length > 0) throw new DemoSetupError(`the ledger did not apply the setup: ${refused.map((r) => `${r.status} ${r.code ?? ''} ${r.reason ?? ''}`.trim()).join('; ')}`);
    checkAbort();

    // Grace before close-interval: a tenth of an interval, and at least 150 ms of real time for the last readings to arrive.
    const closeGraceS = Math.ceil(Math.max(scenario.intervalS / 10, (150 * options.speed) / 1000));
    // The gateways see the simulated clock, held short of the period's last close until every meter's last
    // reading is journaled (on a busy host a reading may arrive after the grace, and a usage reading after
    // the last close would wait for a close that never comes), then let go only as far as that close: a
    // meter that got to seal an interval after the period has it refused as future, never allocated.
    let holdMs = endMs + closeGraceS * 1000 - 1;
    const now = (): number => Math.min(clock?.nowMs() ?? startMs, holdMs);
    gateways = await startGateways(cast, { dataDir, ledgerUrl: ledger.url, now, closeGraceS });
    const gatewayOf = (name: string): DemoGateway => gateways.find((g) => g.intermediary === name)!;
    checkAbort();

    clock = new SystemClock({ speed: options.speed, startMs });
    const realStart = performance.now();
    fleet = createFleet(scenario, identities, {
      clock,
      brokerUrl: (name) => gatewayOf(name).gateway.brokerUrl,
      credential: (name, meterId) => gatewayOf(name).gateway.issueCredential(meterId),
      publisher: { ackTimeoutMs: ACK_TIMEOUT_REAL_MS * options.speed, backoff: { baseMs: 200 * options.speed, maxMs: 2000 * options.speed } },
    });
    for (const m of fleet) m.meter.start();

    const lastIntervalS = periodEndS - scenario.intervalS;
    const expected = fleet.length * (options.hours * 3_600_000 / intervalMs);
    const snapshot = (): ProgressSnapshot => {
      const stats = fleet.map((m) => m.meter.stats());
      return {
        simNowMs: clock!.nowMs(), startMs, endMs, expected,
        sealed: fleet.reduce((n, m) => n + m.sealed.filter((r) => r.intervalStart < periodEndS).length, 0),
        acked: fleet.reduce((n, m, i) => n + m.sealed.filter((r) => r.intervalStart < periodEndS && r.seq <= stats[i]!.ackedSeq).length, 0),
        closed: gateways.map((g) => [g.intermediary, g.gateway.stats().intervalsClosed] as const),
        rejected: gateways.reduce((n, g) => n + Object.values(g.gateway.stats().rejected).reduce((a, b) => a + b, 0), 0),
      };
    };
    const lastReadingAcked = (m: FleetMeter): boolean => {
      const last = m.sealed.find((r) => r.intervalStart === lastIntervalS);
      return last !== undefined && m.meter.stats().ackedSeq >= last.seq;
    };
    // A stalled pipeline must not hang the demo: allow three times the planned real time plus half a minute.
    const deadline = realStart + 3 * ((endMs - startMs) / options.speed) + 30_000;
    // Each meter stops (planned: register persisted, "offline" published) once its last reading of the period is acknowledged.
    const stopping = new Map<FleetMeter, Promise<void>>();
    for (;;) {
      for (const m of fleet) if (!stopping.has(m) && lastReadingAcked(m)) stopping.set(m, m.meter.stop());
      if (stopping.size === fleet.length) break;
      checkAbort();
      if (performance.now() > deadline) throw new Error(`demo: stalled: ${JSON.stringify(snapshot())}; gateway logs in ${dataDir}`);
      progress.update(snapshot());
      await sleep(20);
    }
    const simulationMs = performance.now() - realStart;
    await Promise.all(stopping.values());
    for (const g of gateways) await g.gateway.flush();
    holdMs = endMs + closeGraceS * 1000;
    while (clock.nowMs() < holdMs) await sleep(20);
    for (const g of gateways) await g.gateway.flush({ closeIntervals: true });
    progress.update(snapshot());
    progress.end();
    checkAbort();

    const events: AllocationEventView[] = [];
    for (const intermediary of cast.intermediaries.values()) {
      for (let t = periodStartS; t < periodEndS; t += scenario.intervalS) {
        events.push(...(await getJson<{ events: AllocationEventView[] }>(ledger.url, `/v1/allocations?intermediary=${intermediary.id}&interval=${t}`)).events);
      }
    }
    const consumers = tallyConsumers(scenario.consumers.map((c) => ({
      id: partyOf(cast, c.name).id, name: c.name, title: c.title, intermediary: partyOf(cast, c.intermediary).id, targetPercent: c.targetPercent,
      readings: fleet.find((m) => m.identity.name === c.name)!.sealed,
    })), events, periodStartS, periodEndS);
    const table = formatConsumerTable(consumers, cast.names);
    const subject = partyOf(cast, scenario.certificateFor);
    const certificate = await writeCertificate(ledger.url, options.outDir, { id: subject.id, name: scenario.certificateFor }, periodStartS, periodEndS);
    const stats = gateways.map((g) => [g.intermediary, g.gateway.stats()] as const);
    const result: DemoResult = {
      outDir: options.outDir, periodStartS, periodEndS, consumers, table, names: cast.names, certificate, simulationMs,
      readings: {
        sealed: fleet.reduce((n, m) => n + m.sealed.length, 0),
        rejected: Object.fromEntries(stats.flatMap(([name, s]) => Object.entries(s.rejected).map(([reason, n]) => [`${name}:${reason}`, n]))),
        intervalsClosed: Object.fromEntries(stats.map(([name, s]) => [name, s.intervalsClosed])),
      },
    };
    writeFileSync(join(options.outDir, 'report.txt'), `${table}\n`);
    writeFileSync(join(options.outDir, 'report.json'), `${JSON.stringify({ periodStartS, periodEndS, parties: Object.fromEntries(cast.names), consumers, readings: result.readings, certificate: { file: certificate.jsonFile, ok: certificate.check.ok, errors: certificate.check.errors } }, null, 2)}\n`);
    await options.inspect?.({ ledgerUrl: ledger.url, cast, result });
    return result;
  } finally {
    progress.end();
    await stopMeters(fleet);
    for (const g of gateways) await g.gateway.close();
    await ledger?.close();
  }
}

/** Planned stop (register persisted, "offline" published); stopping a stopped meter does nothing. */
async function stopMeters(fleet: readonly FleetMeter[]): Promise<void> {
  await Promise.all(fleet.map((m) => m.meter.stop()));
}
