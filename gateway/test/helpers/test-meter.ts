/**
 * A meter crafted for gateway tests with protocol's own reading codec and Ed25519 (the gateway
 * must not import firmware): it builds a hash-chained series of signed readings and talks MQTT
 * with mqtt.js, recording the acks it receives.
 */
import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import {
  alignIntervalStart,
  decodeCbor,
  MeterChannel,
  meterIdFromPublicKey,
  meterTopic,
  readingHash,
  READING_VERSION,
  signReadings,
  ZERO_HASH,
  type IntervalReading,
  type Signer,
} from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import type { RecordingLedger } from './recording-ledger.js';

export interface TestMeterOptions {
  role?: 'producer' | 'consumer';
  productionMethod?: number;
  ratedPowerW?: number;
  intervalS?: number;
  /** Unix s of the first interval start (aligned down); default 2 days ago. */
  startS?: number;
}

export class TestMeter {
  readonly signer: Signer;
  readonly id: string;
  readonly role: 'producer' | 'consumer';
  readonly productionMethod: number;
  readonly ratedPowerW: number;
  readonly intervalS: number;
  seq = 0;
  prevHash: Uint8Array = ZERO_HASH;
  intervalStart: number;
  readonly acks: number[] = [];
  client: MqttClient | undefined;
  password = '';

  constructor(options: TestMeterOptions = {}) {
    this.signer = nodeEd25519.signer(randomBytes(32));
    this.id = meterIdFromPublicKey(this.signer.publicKey);
    this.role = options.role ?? 'producer';
    this.productionMethod = this.role === 'producer' ? (options.productionMethod ?? 1) : 0;
    this.ratedPowerW = options.ratedPowerW ?? 10_000;
    this.intervalS = options.intervalS ?? 1800;
    this.intervalStart = alignIntervalStart(options.startS ?? Math.floor(Date.now() / 1000) - 2 * 86_400, this.intervalS);
  }

  /** Registers the meter on a recording ledger under `intermediary`. */
  register(ledger: RecordingLedger, intermediary: string): this {
    ledger.addMeter({ id: this.id, publicKey: this.signer.publicKey, role: this.role, intermediary, productionMethod: this.productionMethod, ratedPowerW: this.ratedPowerW });
    return this;
  }

  /** The chain state, to restore after crafting readings that the gateway must refuse. */
  save(): { seq: number; prevHash: Uint8Array; intervalStart: number } {
    return { seq: this.seq, prevHash: this.prevHash, intervalStart: this.intervalStart };
  }

  restore(state: { seq: number; prevHash: Uint8Array; intervalStart: number }): void {
    this.seq = state.seq;
    this.prevHash = state.prevHash;
    this.intervalStart = state.intervalStart;
  }

  /** The next reading of the chain (advances the meter's state). */
  nextReading(overrides: Partial<IntervalReading> = {}): IntervalReading {
    const reading: IntervalReading = {
      version: READING_VERSION,
      meterId: this.id,
      seq: this.seq,
      intervalStart: this.intervalStart,
      intervalLength: this.intervalS,
      importedWh: this.role === 'consumer' ? 400 + (this.seq % 7) : 3,
      exportedWh: this.role === 'producer' ? 1000 + (this.seq % 11) : 0,
      flags: 0,
      productionMethod: this.productionMethod,
      prevHash: this.prevHash,
      ...overrides,
    };
    this.seq = reading.seq + 1;
    this.prevHash = readingHash(reading);
    this.intervalStart = reading.intervalStart + this.intervalS;
    return reading;
  }

  /** The next reading, signed as a single-reading COSE_Sign1. */
  next(overrides: Partial<IntervalReading> = {}): Uint8Array {
    return signReadings(this.nextReading(overrides), this.signer);
  }

  async connect(url: string, options: Partial<IClientOptions> = {}): Promise<MqttClient> {
    const client = connect(url, {
      clientId: this.id,
      username: this.id,
      password: this.password,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      will: { topic: meterTopic(this.id, MeterChannel.STATUS), payload: Buffer.from('offline'), qos: 1, retain: true },
      ...options,
    });
    this.client = client;
    client.on('message', (topic, payload) => {
      if (topic === meterTopic(this.id, MeterChannel.ACK)) this.acks.push(decodeCbor(new Uint8Array(payload)) as number);
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`meter ${this.id}: connection closed before CONNACK`)));
    });
    client.on('error', () => undefined);
    await client.subscribeAsync(meterTopic(this.id, MeterChannel.ACK), { qos: 1 });
    await client.publishAsync(meterTopic(this.id, MeterChannel.STATUS), JSON.stringify({ state: 'online', fw: 'test' }), { qos: 1, retain: true });
    return client;
  }

  publish(cose: Uint8Array, topicMeterId = this.id): Promise<unknown> {
    if (this.client === undefined) throw new Error('not connected');
    return this.client.publishAsync(meterTopic(topicMeterId, MeterChannel.READINGS), Buffer.from(cose), { qos: 1 });
  }

  /**
   * Publishes `messages` (signed readings in chain order, the last ending at `lastSeq`) the way
   * firmware does: everything not yet acknowledged is sent again until the ack covers `lastSeq`.
   */
  async publishUntilAcked(messages: ReadonlyArray<{ firstSeq: number; cose: Uint8Array }>, lastSeq: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const m of messages) if (m.firstSeq > this.lastAck) await this.publish(m.cose);
      const retryAt = Date.now() + 300;
      while (this.lastAck < lastSeq && Date.now() < retryAt) await new Promise((r) => setTimeout(r, 5));
      if (this.lastAck >= lastSeq) return;
      if (Date.now() > deadline) throw new Error(`meter ${this.id}: no ack >= ${lastSeq} (last ${this.lastAck})`);
    }
  }

  get lastAck(): number {
    return this.acks.length === 0 ? -1 : Math.max(...this.acks);
  }

  /** Resolves when an ack >= seq arrived; rejects after `timeoutMs` (a guard against hangs, not a timing assertion). */
  async waitForAck(seq: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastAck < seq) {
      if (Date.now() > deadline) throw new Error(`meter ${this.id}: no ack >= ${seq} (last ${this.lastAck})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async disconnect(): Promise<void> {
    await this.client?.endAsync(true);
    this.client = undefined;
  }
}

/** Waits until `condition` holds, polling; rejects after `timeoutMs` with `what`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
