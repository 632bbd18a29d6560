/**
 * `ingest`: many simulated meters publishing signed readings through the gateway's embedded
 * broker (DESIGN §6, §9). Counted end to end: a reading counts once the meter holds an ack
 * covering it, i.e. it was verified (Ed25519 on node:crypto in the worker pool), chained,
 * journaled (SQLite WAL, synchronous=FULL, group commit) and acknowledged over MQTT.
 *
 *   readingsPerS   meters keep a window of unacknowledged readings in flight (closed loop)
 *   rawVerifyPerS  node:crypto Ed25519 verify on every core, nothing else, same run
 *   ratio          readingsPerS / rawVerifyPerS, budget >= 0.8
 *   p50Ms, p99Ms   publish -> ack at a fixed offered load of half of readingsPerS
 *   brokerFloorUs  CPU per reading of a bare aedes broker, same meters and traffic, same run:
 *                  each QoS 1 PUBLISH taken (PUBACK) and answered with one QoS 1 ack; nothing else
 *   ratioCeiling   rawVerifyCpuUs / (rawVerifyCpuUs + brokerFloorUs): the best cpuRatio any
 *                  aedes-based gateway can reach on this machine (verify + the broker's share)
 *   brokerFloorCoalescedUs, ratioCeilingCoalesced  the same with one ack per meter per event-loop
 *                  turn for its highest seq, closer to the gateway's one ack per meter per commit
 *   mainCpuPerReadingUs  the gateway's main thread alone (broker + pipeline), to compare with the
 *                  floor's main thread (brokerFloorCoalescedMainUs); Linux only
 *
 * Meters are raw MQTT 3.1.1 clients (pre-built frames from mqtt-packet, one reading per
 * signed message) in a child process: on the same cores, so they count against readingsPerS,
 * but outside the gateway's process, so its CPU time per reading can be measured on its own
 * (cpuRatio = CPU of one raw verify / gateway CPU per reading: the ratio on a machine whose
 * cores do nothing else). Forwarding to the ledger is outside the measure: the ledger stub
 * answers 503 and the forwarder backs off, leaving the readings in the journal. CPU is taken
 * over the simulator's timed window only (the in-flight window drains after it).
 * Options: --meters N (200) --seconds S (3) --window W (16) --ack-qos 0|1 (1) --verify-workers N (cores)
 * Env: WL_PROFILE=FILE writes a V8 CPU profile of the gateway's main thread during the
 * throughput phase (the verify workers and the journal writer are not in it); WL_HEAP_PROFILE=FILE
 * samples its allocations (kept or collected).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Aedes } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { alignIntervalStart, encodeCbor, meterIdFromPublicKey, meterTopic, MeterChannel, partyIdFromPublicKey, readingHash, READING_VERSION, signReadings, toHex, ZERO_HASH } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { parseConfig, startGateway } from '@wattledger/gateway';
import { median, percentile, type BenchReport } from '../report.js';
import { mainThreadCpuUs, startProfilesFromEnv } from '../profiling.js';

const INTERVAL_S = 1800;

interface SimOptions {
  readonly meters: number;
  readonly readingsPerMeter: number;
  readonly window: number;
}

type ToSim =
  | { type: 'connect'; url: string; credentials: string[] }
  /** `wrap`: resend the frames from the first once all were sent (a broker that checks nothing). */
  | { type: 'throughput'; seconds: number; wrap: boolean }
  | { type: 'latency'; ratePerS: number; seconds: number }
  | { type: 'reset' }
  | { type: 'stop' };

type FromSim =
  | { type: 'meters'; publicKeys: string[] }
  | { type: 'connected' }
  | { type: 'reset' }
  | { type: 'measuring' }
  | { type: 'throughput'; acked: number; elapsedMs: number; simBusy: number }
  | { type: 'drained' }
  | { type: 'latency'; latenciesMs: number[] };

// ---------------------------------------------------------------- meter simulator (worker)

class SimMeter {
  readonly frames: Buffer[] = [];
  sent = 0;
  acked = -1;
  readonly sentAt: Float64Array;
  socket: Socket | undefined;
  constructor(readonly id: string, count: number) {
    this.sentAt = new Float64Array(count);
  }
}

/** Decodes the CBOR unsigned integer of an ack (RFC 8949 §3.1, major type 0). */
function ackSeq(payload: Buffer): number {
  const b = payload[0]!;
  if (b < 24) return b;
  if (b === 24) return payload[1]!;
  if (b === 25) return payload.readUInt16BE(1);
  if (b === 26) return payload.readUInt32BE(1);
  return -1;
}

interface Port {
  postMessage(message: FromSim): void;
  on(event: 'message', listener: (message: ToSim) => void): void;
}

async function simulator(options: SimOptions, port: Port): Promise<void> {
  const start = alignIntervalStart(Math.floor(Date.now() / 1000) - (options.readingsPerMeter + 10) * INTERVAL_S, INTERVAL_S);
  const meters: SimMeter[] = [];
  const signers = Array.from({ length: options.meters }, () => nodeEd25519.signer(crypto.getRandomValues(new Uint8Array(32))));
  port.postMessage({ type: 'meters', publicKeys: signers.map((s) => toHex(s.publicKey)) } satisfies FromSim);
  for (const signer of signers) {
    const meter = new SimMeter(meterIdFromPublicKey(signer.publicKey), options.readingsPerMeter);
    const topic = meterTopic(meter.id, MeterChannel.READINGS);
    let prevHash = ZERO_HASH;
    for (let seq = 0; seq < options.readingsPerMeter; seq++) {
      const reading = { version: READING_VERSION, meterId: meter.id, seq, intervalStart: start + seq * INTERVAL_S, intervalLength: INTERVAL_S, importedWh: 2, exportedWh: 900 + (seq % 100), flags: 0, productionMethod: 1, prevHash };
      prevHash = readingHash(reading);
      meter.frames.push(mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.from(signReadings(reading, signer)), qos: 1, messageId: (seq % 65_000) + 1, dup: false, retain: false }));
    }
    meters.push(meter);
  }

  let onAck: (meter: SimMeter) => void = () => undefined;
  const connectAll = async (url: string, credentials: string[]): Promise<void> => {
    const { hostname, port: brokerPort } = new URL(url);
    await Promise.all(
      meters.map(
        (meter, i) =>
          new Promise<void>((resolve, reject) => {
            const socket = netConnect(Number(brokerPort), hostname);
            socket.setNoDelay(true);
            meter.socket = socket;
            const parser = mqttPacket.parser({ protocolVersion: 4 });
            parser.on('packet', (packet) => {
              if (packet.cmd === 'connack') {
                if (packet.returnCode !== 0) return reject(new Error(`CONNACK ${packet.returnCode}`));
                socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: meterTopic(meter.id, MeterChannel.ACK), qos: 1 }] }));
              } else if (packet.cmd === 'suback') {
                resolve();
              } else if (packet.cmd === 'publish') {
                if (packet.qos === 1) socket.write(Buffer.from([0x40, 0x02, packet.messageId! >> 8, packet.messageId! & 0xff]));
                const seq = ackSeq(packet.payload as Buffer);
                if (seq > meter.acked) {
                  meter.acked = seq;
                  onAck(meter);
                }
              }
            });
            parser.on('error', reject);
            socket.on('data', (chunk) => parser.parse(chunk));
            socket.on('error', (error) => (meter.socket === socket ? reject(error) : undefined));
            socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: meter.id, keepalive: 60, username: meter.id, password: Buffer.from(credentials[i]!) }));
          }),
      ),
    );
  };

  let wrap = false;
  const sendNext = (meter: SimMeter): boolean => {
    const n = meter.frames.length;
    if (meter.sent >= n && !wrap) return false;
    if (meter.sent < n) meter.sentAt[meter.sent] = performance.now();
    meter.socket!.write(meter.frames[meter.sent % n]!);
    meter.sent++;
    return true;
  };

  /** Posts 'measuring' when the timed window opens, the result when it closes, then 'drained'. */
  const throughput = async (seconds: number, wrapFrames: boolean): Promise<FromSim> => {
    wrap = wrapFrames;
    const fill = (meter: SimMeter): void => {
      while (meter.sent - (meter.acked + 1) < options.window && sendNext(meter)) {
        /* keep the window full */
      }
    };
    onAck = fill;
    const ackedTotal = (): number => meters.reduce((n, m) => n + m.acked + 1, 0);
    for (const meter of meters) fill(meter);
    await new Promise((r) => setTimeout(r, 1000)); // warm-up
    port.postMessage({ type: 'measuring' });
    const a0 = ackedTotal();
    const t0 = performance.now();
    const elu0 = performance.eventLoopUtilization();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const simBusy = performance.eventLoopUtilization(elu0).utilization;
    port.postMessage({ type: 'throughput', acked: ackedTotal() - a0, elapsedMs: performance.now() - t0, simBusy });
    onAck = () => undefined;
    // Drain what is in flight (outside the timed window), so the next phase starts from an idle broker.
    while (meters.some((m) => m.acked + 1 < m.sent)) await new Promise((r) => setTimeout(r, 10));
    wrap = false;
    return { type: 'drained' };
  };

  const latency = async (ratePerS: number, seconds: number): Promise<FromSim> => {
    const latencies: number[] = [];
    const first = meters.map((m) => m.sent);
    onAck = (meter) => {
      const now = performance.now();
      const index = meters.indexOf(meter);
      for (let seq = Math.max(first[index]!, meter.acked - options.window * 4); seq <= meter.acked; seq++) {
        const at = meter.sentAt[seq]!;
        if (at > 0) {
          latencies.push(now - at);
          meter.sentAt[seq] = 0;
        }
      }
    };
    const started = performance.now();
    let sent = 0;
    let next = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        const due = Math.floor((elapsed / 1000) * ratePerS);
        for (; sent < due; sent++) {
          sendNext(meters[next]!);
          next = (next + 1) % meters.length;
        }
        if (elapsed >= seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const deadline = performance.now() + 10_000;
    while (meters.some((m) => m.acked + 1 < m.sent) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return { type: 'latency', latenciesMs: latencies };
  };

  port.on('message', (message: ToSim) => {
    const reply = (p: Promise<FromSim>): void => void p.then((m) => port.postMessage(m));
    if (message.type === 'connect') reply(connectAll(message.url, message.credentials).then(() => ({ type: 'connected' }) as FromSim));
    else if (message.type === 'throughput') reply(throughput(message.seconds, message.wrap));
    else if (message.type === 'latency') reply(latency(message.ratePerS, message.seconds));
    else if (message.type === 'reset') {
      // Disconnected and rewound to seq 0: the same frames go to the next broker.
      for (const m of meters) {
        m.socket?.destroy();
        m.socket = undefined;
        m.sent = 0;
        m.acked = -1;
        m.sentAt.fill(0);
      }
      port.postMessage({ type: 'reset' });
    }
    else if (message.type === 'stop') {
      for (const m of meters) m.socket?.destroy();
      process.exit(0);
    }
  });
}

const SIM_ENV = 'WATTLEDGER_INGEST_SIMULATOR';
if (process.env[SIM_ENV] !== undefined && process.send !== undefined) {
  const send = process.send.bind(process);
  await simulator(JSON.parse(process.env[SIM_ENV]!) as SimOptions, {
    postMessage: (message) => void send(message),
    on: (event, listener) => void process.on(event, listener as (message: unknown) => void),
  });
}

// ---------------------------------------------------------------- raw verify rate (all cores)

const RAW_VERIFY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const key = createPublicKey({ key: Buffer.concat([SPKI, Buffer.from(workerData.publicKey)]), format: 'der', type: 'spki' });
const message = Buffer.from(workerData.message), signature = Buffer.from(workerData.signature);
let n = 0; const t0 = performance.now(); let ok = true;
while (performance.now() - t0 < workerData.ms) { for (let i = 0; i < 64; i++) ok = verify(null, message, key, signature) && ok; n += 64; }
parentPort.postMessage({ perS: (n * 1000) / (performance.now() - t0), ok });
`;

/** Verifies per second over all cores, and the CPU time one verify costs (µs, process-wide). */
async function rawVerify(ms: number): Promise<{ perS: number; cpuUs: number }> {
  const signer = nodeEd25519.signer(crypto.getRandomValues(new Uint8Array(32)));
  const message = crypto.getRandomValues(new Uint8Array(140)); // the size of a reading's Sig_structure
  const data = { publicKey: signer.publicKey, message, signature: signer.sign(message), ms };
  const cpu0 = process.cpuUsage();
  const rates = await Promise.all(
    Array.from({ length: availableParallelism() }, () => {
      const worker = new Worker(RAW_VERIFY_WORKER, { eval: true, workerData: data });
      return new Promise<number>((resolve, reject) => {
        worker.once('message', (m: { perS: number; ok: boolean }) => (m.ok ? resolve(m.perS) : reject(new Error('raw verify failed'))));
        worker.once('error', reject);
      }).finally(() => void worker.terminate());
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const perS = rates.reduce((a, b) => a + b, 0);
  return { perS, cpuUs: (cpu.user + cpu.system) / ((perS * ms) / 1000) };
}

// ---------------------------------------------------------------- broker floor

/**
 * A bare aedes broker doing the least any aedes-based gateway must do per reading: take each
 * QoS 1 PUBLISH (aedes sends the PUBACK) and publish a QoS 1 ack back on the meter's ack topic
 * (no authentication hook, no decode, no verify, no journal). A meter's readings arrive in
 * order on one connection, so its n-th reading is seq n - 1.
 *   'reading':   one ack per reading;
 *   'coalesced': one ack per meter per event-loop turn, for its highest seq (as the gateway
 *                acks once per meter per group commit).
 */
async function startFloorBroker(acks: 'reading' | 'coalesced'): Promise<{ url: string; close(): Promise<void>; acksPublished(): number; readingsReceived(): number }> {
  const received = new Map<string, number>();
  const ackTopics = new Map<string, string>();
  let published = 0;
  let readings = 0;
  // Acks are published after the hook returns (as the gateway's are, after its commit):
  // publishing from inside `published` nests aedes' emitter one level per queued message.
  let due: Array<{ meterId: string; seq: number }> = [];
  const dueMeters = new Set<string>();
  const flush = (): void => {
    const now = due;
    due = [];
    dueMeters.clear();
    for (const { meterId, seq } of now) {
      let topic = ackTopics.get(meterId);
      if (topic === undefined) ackTopics.set(meterId, (topic = meterTopic(meterId, MeterChannel.ACK)));
      const ackSeq = acks === 'coalesced' ? received.get(meterId)! - 1 : seq;
      published++;
      broker.publish({ cmd: 'publish', topic, payload: Buffer.from(encodeCbor(ackSeq)), qos: 1, retain: false, dup: false }, () => undefined);
    }
  };
  const broker = await Aedes.createBroker({
    // Unbounded: with aedes' default of 100 deliveries in flight, a burst of acks queues the
    // readings behind them, and aedes' emitter then runs the queue recursively (stack overflow).
    concurrency: 0,
    published(packet, client, done) {
      if (client !== null && client !== undefined && packet.topic.endsWith('/readings')) {
        const count = (received.get(client.id) ?? 0) + 1;
        received.set(client.id, count);
        readings++;
        if (due.length === 0) setImmediate(flush);
        if (acks === 'reading') due.push({ meterId: client.id, seq: count - 1 });
        else if (!dueMeters.has(client.id)) {
          dueMeters.add(client.id);
          due.push({ meterId: client.id, seq: -1 });
        }
      }
      done(null);
    },
  });
  const server = createNetServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    acksPublished: () => published,
    readingsReceived: () => readings,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- main

interface Throughput {
  readonly readingsPerS: number;
  /** CPU time of this process (all its threads) per acknowledged reading, µs. */
  readonly cpuPerReadingUs: number;
  /** The same, main thread only (the broker, and the gateway's pipeline); NaN off Linux. */
  readonly mainCpuPerReadingUs: number;
  readonly mainBusy: number;
  readonly simBusy: number;
  readonly acksPerReading: number;
  readonly readingsPerCommit: number;
}

interface Counters {
  readonly acks: number;
  readonly readings: number;
  readonly commits: number;
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`--${name} must be a non-negative number`);
  return value;
}

/** The ledger as far as the gateway needs it here: its meters, and 503 for transactions. */
async function ledgerStub(meters: () => unknown[]): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    if (request.method === 'GET' && request.url?.startsWith('/v1/meters')) response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(meters()));
    else response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export default async function ingest(args: string[]): Promise<BenchReport> {
  const meterCount = option(args, 'meters', 200);
  const seconds = option(args, 'seconds', 3);
  const window = option(args, 'window', 16);
  const cores = availableParallelism();

  const { perS: raw, cpuUs: rawCpuUs } = await rawVerify(2000);
  const readingsPerMeter = Math.ceil((raw * (seconds + 1) * 1.2 + raw * 0.6 * (seconds + 1)) / meterCount) + window;

  const dir = mkdtempSync(join(tmpdir(), 'wl-bench-ingest-'));
  const sim = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, [SIM_ENV]: JSON.stringify({ meters: meterCount, readingsPerMeter, window } satisfies SimOptions) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: FromSim[] = [];
  const waiters: Array<(m: FromSim) => void> = [];
  sim.on('message', (m: FromSim) => (waiters.length > 0 ? waiters.shift()!(m) : inbox.push(m)));
  const postToSim = (message: ToSim): void => void sim.send(message);
  const receive = (): Promise<FromSim> => (inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise((resolve) => waiters.push(resolve)));

  const expect = async <T extends FromSim['type']>(type: T): Promise<Extract<FromSim, { type: T }>> => {
    const message = await receive();
    if (message.type !== type) throw new Error(`simulator: expected ${type}, got ${message.type}`);
    return message as Extract<FromSim, { type: T }>;
  };
  /** One closed-loop throughput phase; CPU and event-loop use of this process over the simulator's timed window. */
  const measureThroughput = async (wrap: boolean, profile: boolean, counters: () => Counters = () => ({ acks: 0, readings: 0, commits: 0 })): Promise<Throughput> => {
    postToSim({ type: 'throughput', seconds, wrap } satisfies ToSim);
    await expect('measuring');
    const profiler = profile ? await startProfilesFromEnv() : undefined;
    const counted0 = counters();
    const main0 = mainThreadCpuUs() ?? Number.NaN;
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const phase = await expect('throughput');
    const cpu = process.cpuUsage(cpu0);
    const mainCpu = (mainThreadCpuUs() ?? Number.NaN) - main0;
    const mainBusy = performance.eventLoopUtilization(elu0).utilization;
    const counted = counters();
    await profiler?.();
    await expect('drained');
    const readings = counted.readings - counted0.readings;
    return {
      readingsPerS: (phase.acked * 1000) / phase.elapsedMs,
      cpuPerReadingUs: (cpu.user + cpu.system) / phase.acked,
      mainCpuPerReadingUs: mainCpu / phase.acked,
      mainBusy,
      simBusy: phase.simBusy,
      acksPerReading: (counted.acks - counted0.acks) / readings,
      readingsPerCommit: readings / (counted.commits - counted0.commits),
    };
  };

  const keys = await expect('meters');

  // The floor: the same meters and traffic through a bare aedes broker, acking every reading,
  // then once per meter per event-loop turn.
  const floorRun = async (acks: 'reading' | 'coalesced'): Promise<Throughput> => {
    const floorBroker = await startFloorBroker(acks);
    try {
      postToSim({ type: 'connect', url: floorBroker.url, credentials: keys.publicKeys.map(() => 'none') } satisfies ToSim);
      await expect('connected');
      const result = await measureThroughput(true, false, () => ({ acks: floorBroker.acksPublished(), readings: floorBroker.readingsReceived(), commits: 0 }));
      postToSim({ type: 'reset' } satisfies ToSim);
      await expect('reset');
      return result;
    } finally {
      await floorBroker.close();
    }
  };
  let floor: Throughput;
  let floorCoalesced: Throughput;
  try {
    floor = await floorRun('reading');
    floorCoalesced = await floorRun('coalesced');
  } catch (error) {
    sim.kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const gatewayKey = crypto.getRandomValues(new Uint8Array(32));
  const intermediaryId = partyIdFromPublicKey(nodeEd25519.publicKeyOf(gatewayKey));
  const ledgerMeters = keys.publicKeys.map((publicKey) => ({ id: meterIdFromPublicKey(Buffer.from(publicKey, 'hex')), publicKey, role: 'producer', intermediary: intermediaryId, productionMethod: 1, ratedPowerW: 10_000, lastSeq: -1, lastReadingHash: null }));
  const ledger = await ledgerStub(() => ledgerMeters);
  const gateway = await startGateway(
    parseConfig({
      dataDir: dir,
      identity: { key: toHex(gatewayKey), intermediaryId },
      mqtt: { embedded: { host: '127.0.0.1', port: 0 }, ackQos: option(args, 'ack-qos', 1) === 1 ? 1 : 0 },
      pipeline: { verifyWorkers: option(args, 'verify-workers', cores), queueLimit: 1_000_000 },
      ledger: { url: ledger.url, closeIntervals: false, retryMaxMs: 10_000, registrySyncMs: 3_600_000 },
      http: false,
      log: { level: 'error' },
    }),
  );
  try {
    postToSim({ type: 'connect', url: gateway.brokerUrl, credentials: ledgerMeters.map((m) => gateway.issueCredential(m.id)) } satisfies ToSim);
    await expect('connected');

    const phase1 = await measureThroughput(false, true, () => ({
      acks: gateway.metrics.acksPublished.get(),
      readings: gateway.metrics.readingsAccepted.get(),
      commits: gateway.metrics.journalCommit.total,
    }));
    const readingsPerS = phase1.readingsPerS;
    const mainBusy = phase1.mainBusy;

    const offered = readingsPerS / 2;
    postToSim({ type: 'latency', ratePerS: offered, seconds } satisfies ToSim);
    const phase2 = await expect('latency');
    const stats = gateway.stats();
    const cpuPerReading = phase1.cpuPerReadingUs;
    const cpuRatio = rawCpuUs / cpuPerReading;
    const brokerFloorUs = floor.cpuPerReadingUs;
    const ratioCeiling = rawCpuUs / (rawCpuUs + brokerFloorUs);
    const brokerFloorCoalescedUs = floorCoalesced.cpuPerReadingUs;
    const ratioCeilingCoalesced = rawCpuUs / (rawCpuUs + brokerFloorCoalescedUs);
    const rejected = Object.values(stats.rejected).reduce((a, b) => a + b, 0);
    const ratio = readingsPerS / raw;
    return {
      name: 'ingest',
      judgedBy: 'ratio = readingsPerS / rawVerifyPerS >= 0.8',
      rows: [
        { metric: 'readingsPerS', value: readingsPerS, unit: 'readings/s', note: `verified, journaled, acked; ${meterCount} meters, window ${window}` },
        { metric: 'rawVerifyPerS', value: raw, unit: 'verifies/s', note: `node:crypto Ed25519 on ${cores} cores` },
        { metric: 'ratio', value: ratio, note: ratio >= 0.8 ? 'within budget (>= 0.8)' : 'BELOW budget (>= 0.8)' },
        { metric: 'offeredPerS', value: offered, unit: 'readings/s', note: 'half of readingsPerS, for the latencies' },
        { metric: 'p50Ms', value: median(phase2.latenciesMs), unit: 'ms', note: 'publish -> ack' },
        { metric: 'p99Ms', value: percentile(phase2.latenciesMs, 99), unit: 'ms' },
        { metric: 'cpuPerReadingUs', value: cpuPerReading, unit: 'µs', note: 'CPU time of the gateway process (all its threads) per reading' },
        { metric: 'rawVerifyCpuUs', value: rawCpuUs, unit: 'µs', note: 'CPU time of one raw verify' },
        { metric: 'cpuRatio', value: cpuRatio, note: 'rawVerifyCpuUs / cpuPerReadingUs: the gateway alone on otherwise idle cores' },
        { metric: 'gatewayMainBusy', value: mainBusy, note: 'event-loop utilisation of the gateway main thread' },
        { metric: 'mainCpuPerReadingUs', value: phase1.mainCpuPerReadingUs, unit: 'µs', note: 'of cpuPerReadingUs, the main thread (broker + pipeline; the rest is verify workers, journal writer, GC threads)' },
        { metric: 'readingsPerCommit', value: phase1.readingsPerCommit, note: 'readings per group commit (one SQLite transaction)' },
        { metric: 'acksPerReading', value: phase1.acksPerReading, note: 'QoS 1 acks published per reading (one per meter per commit)' },
        { metric: 'simulatorBusy', value: phase1.simBusy, note: 'event-loop utilisation of the meter simulator process' },
        { metric: 'brokerFloorUs', value: brokerFloorUs, unit: 'µs', note: 'CPU per reading of a bare aedes broker: QoS 1 in, one QoS 1 ack out, nothing else' },
        { metric: 'brokerFloorPerS', value: floor.readingsPerS, unit: 'readings/s', note: `same meters through the bare broker (its main thread ${(floor.mainBusy * 100).toFixed(0)} % busy)` },
        { metric: 'ratioCeiling', value: ratioCeiling, note: 'rawVerifyCpuUs / (rawVerifyCpuUs + brokerFloorUs): best cpuRatio an aedes-based gateway can reach here' },
        { metric: 'brokerFloorCoalescedUs', value: brokerFloorCoalescedUs, unit: 'µs', note: `the same, one ack per meter per event-loop turn (${floorCoalesced.acksPerReading.toFixed(2)} acks/reading; main thread ${floorCoalesced.mainCpuPerReadingUs.toFixed(1)} µs)` },
        { metric: 'ratioCeilingCoalesced', value: ratioCeilingCoalesced, note: 'rawVerifyCpuUs / (rawVerifyCpuUs + brokerFloorCoalescedUs): the ceiling with coalesced acks, as the gateway sends them' },
        { metric: 'rejected', value: rejected, note: 'must be 0' },
        { metric: 'ledgerLag', value: stats.ledgerLagReadings, unit: 'readings', note: 'journaled, not forwarded (ledger stub answers 503)' },
      ],
      figures: {
        readingsPerS: Math.round(readingsPerS),
        rawVerifyPerS: Math.round(raw),
        ratio: Number(ratio.toFixed(3)),
        cpuRatio: Number(cpuRatio.toFixed(3)),
        cpuPerReadingUs: Number(cpuPerReading.toFixed(1)),
        mainCpuPerReadingUs: Number(phase1.mainCpuPerReadingUs.toFixed(1)),
        rawVerifyCpuUs: Number(rawCpuUs.toFixed(1)),
        brokerFloorUs: Number(brokerFloorUs.toFixed(1)),
        brokerFloorPerS: Math.round(floor.readingsPerS),
        ratioCeiling: Number(ratioCeiling.toFixed(3)),
        brokerFloorCoalescedUs: Number(brokerFloorCoalescedUs.toFixed(1)),
        brokerFloorCoalescedMainUs: Number(floorCoalesced.mainCpuPerReadingUs.toFixed(1)),
        ratioCeilingCoalesced: Number(ratioCeilingCoalesced.toFixed(3)),
        acksPerReading: Number(phase1.acksPerReading.toFixed(3)),
        readingsPerCommit: Math.round(phase1.readingsPerCommit),
        p50Ms: Number(median(phase2.latenciesMs).toFixed(2)),
        p99Ms: Number(percentile(phase2.latenciesMs, 99).toFixed(2)),
        offeredPerS: Math.round(offered),
        meters: meterCount,
        cores,
        rejected,
      },
    };
  } finally {
    const exited = new Promise((resolve) => sim.once('exit', resolve));
    postToSim({ type: 'stop' } satisfies ToSim);
    await exited;
    await gateway.close();
    ledger.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
