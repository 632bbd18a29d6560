/**
 * The meter runtime: the thin shell that performs the core's effects on the hardware seams.
 * Samples the energy source at each interval boundary and at least every persist period,
 * feeds the core, and runs the publish state machine over the network seam. Host-neutral
 * (no Node API), so the same shell runs in the simulator and on XS.
 */
import { meterTopic, MeterChannel, type Ed25519Provider, type IntervalReading, type MeterId } from '@wattledger/protocol';
import type { Clock, TimerHandle } from '../hal/clock.js';
import type { EnergySource } from '../hal/energy-source.js';
import type { MqttSession, Network } from '../hal/network.js';
import { randomUnit, type RandomSource } from '../hal/random.js';
import type { Storage } from '../hal/storage.js';
import { decodeAck } from '../core/ack.js';
import { silentLogger, type Logger } from '../core/errors.js';
import { MeterCore } from '../core/meter-core.js';
import type { MeterConfig } from '../core/meter-config.js';
import type { Provisioning } from '../core/provisioning.js';
import { DEFAULT_PUBLISHER_OPTIONS, INITIAL_PUBLISHER, publisherStep, type PublisherEffect, type PublisherEvent, type PublisherOptions, type PublisherPhase, type PublisherState } from '../core/publisher.js';
import { FIRMWARE_VERSION, OFFLINE_STATUS, onlineStatus } from '../core/status.js';

export interface MeterHal {
  readonly clock: Clock;
  readonly storage: Storage;
  readonly source: EnergySource;
  readonly network: Network;
  readonly random: RandomSource;
  readonly ed25519: Ed25519Provider;
}

export type MeterEvent =
  | { readonly type: 'sealed'; readonly seq: number; readonly reading: IntervalReading; readonly signed: Uint8Array }
  | { readonly type: 'folded'; readonly intervalStart: number }
  | { readonly type: 'published'; readonly firstSeq: number; readonly lastSeq: number; readonly count: number; readonly bytes: number }
  | { readonly type: 'acked'; readonly seq: number; readonly removed: number }
  | { readonly type: 'online' }
  | { readonly type: 'offline'; readonly reason: string }
  | { readonly type: 'config'; readonly config: MeterConfig }
  | { readonly type: 'rejected'; readonly channel: 'ack' | 'config'; readonly reason: string };

export interface MeterOptions {
  readonly provisioning?: Provisioning;
  readonly queueCapacity?: number;
  readonly persistEveryMs?: number;
  readonly seqBlock?: number;
  readonly keepaliveS?: number;
  readonly firmwareVersion?: string;
  readonly publisher?: Partial<PublisherOptions>;
  readonly log?: Logger;
  readonly onEvent?: (event: MeterEvent) => void;
}

export interface MeterStats {
  readonly phase: PublisherPhase;
  readonly sealed: number;
  readonly folded: number;
  readonly queued: number;
  readonly newestSeq: number;
  readonly ackedSeq: number;
  readonly messagesPublished: number;
  readonly readingsPublished: number;
  readonly bytesPublished: number;
  readonly rejectedAcks: number;
  readonly rejectedConfigs: number;
  readonly connects: number;
}

export class Meter {
  readonly core: MeterCore;
  private readonly hal: MeterHal;
  private readonly options: MeterOptions;
  private readonly publisherOptions: PublisherOptions;
  private readonly log: Logger;
  private publisher: PublisherState = INITIAL_PUBLISHER;
  private session: MqttSession | undefined;
  private sampleTimer: TimerHandle | undefined;
  private publishTimer: TimerHandle | undefined;
  private readonly events: PublisherEvent[] = [];
  private dispatching = false;
  private running = false;
  private counters = { sealed: 0, messagesPublished: 0, readingsPublished: 0, bytesPublished: 0, rejectedAcks: 0, rejectedConfigs: 0, connects: 0 };

  constructor(hal: MeterHal, options: MeterOptions = {}) {
    this.hal = hal;
    this.options = options;
    this.log = options.log ?? silentLogger;
    this.core = new MeterCore({
      storage: hal.storage, random: hal.random, ed25519: hal.ed25519, log: this.log,
      ...(options.provisioning === undefined ? {} : { provisioning: options.provisioning }),
      ...(options.queueCapacity === undefined ? {} : { queueCapacity: options.queueCapacity }),
      ...(options.persistEveryMs === undefined ? {} : { persistEveryMs: options.persistEveryMs }),
      ...(options.seqBlock === undefined ? {} : { seqBlock: options.seqBlock }),
      ...(options.publisher?.maxBatch === undefined ? {} : { maxBatch: options.publisher.maxBatch }),
    });
    this.publisherOptions = { ...DEFAULT_PUBLISHER_OPTIONS, maxBatch: this.core.maxBatch, ...options.publisher };
  }

  get meterId(): MeterId {
    return this.core.meterId;
  }

  get publicKey(): Uint8Array {
    return this.core.publicKey;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.takeSample();
    this.dispatch({ type: 'start', nowMs: this.hal.clock.monotonicMs(), newestSeq: this.core.newestSeq() });
  }

  /** Planned shutdown: persists the register, publishes "offline", disconnects. */
  stop(): void {
    if (!this.running) return;
    this.takeSample();
    this.core.persistNow(this.hal.clock.monotonicMs());
    this.dispatch({ type: 'stop', nowMs: this.hal.clock.monotonicMs() });
    this.halt();
  }

  /** Power cut: nothing more is written or sent; the broker sees the connection drop. */
  powerCut(): void {
    if (!this.running) return;
    this.session?.close(false);
    this.session = undefined;
    this.halt();
  }

  stats(): MeterStats {
    const snapshot = this.core.snapshot();
    return {
      ...this.counters, phase: this.publisher.phase, folded: snapshot.folded, queued: snapshot.queued,
      newestSeq: snapshot.sealedSeq, ackedSeq: this.publisher.ackedSeq,
    };
  }

  private halt(): void {
    this.running = false;
    if (this.sampleTimer) this.hal.clock.clearTimer(this.sampleTimer);
    if (this.publishTimer) this.hal.clock.clearTimer(this.publishTimer);
    this.sampleTimer = this.publishTimer = undefined;
    this.events.length = 0;
  }

  private takeSample(): void {
    const { clock } = this.hal;
    const result = this.core.sample({ wallMs: clock.nowMs(), monoMs: clock.monotonicMs(), synced: clock.isSynced(), source: this.hal.source.read() });
    if (result.sealed) {
      this.counters.sealed++;
      this.emit({ type: 'sealed', seq: result.sealed.seq, reading: result.sealed.reading, signed: result.sealed.signed });
      this.dispatch({ type: 'queued', nowMs: clock.monotonicMs(), newestSeq: result.sealed.seq });
    } else if (result.folded) {
      this.emit({ type: 'folded', intervalStart: result.folded.start });
    }
  }

  private scheduleSample(): void {
    if (!this.running) return;
    const { clock } = this.hal;
    if (this.sampleTimer) clock.clearTimer(this.sampleTimer);
    const untilPersist = this.core.nextPersistMono() - clock.monotonicMs();
    const end = this.core.openIntervalEndMs();
    const untilEnd = end === undefined ? 0 : end - clock.nowMs() + 1;
    const delay = Math.max(1, Math.min(untilPersist, untilEnd));
    this.sampleTimer = clock.setTimer(delay, () => {
      this.sampleTimer = undefined;
      if (!this.running) return;
      this.takeSample();
      this.scheduleSample();
    });
  }

  private dispatch(event: PublisherEvent): void {
    this.events.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let next = this.events.shift(); next !== undefined; next = this.events.shift()) {
        const step = publisherStep(this.publisher, next, this.publisherOptions);
        this.publisher = step.state;
        for (const effect of step.effects) this.perform(effect);
      }
    } finally {
      this.dispatching = false;
    }
    if (this.running && this.sampleTimer === undefined) this.scheduleSample();
  }

  private perform(effect: PublisherEffect): void {
    const { clock } = this.hal;
    switch (effect.type) {
      case 'connect':
        this.connect();
        break;
      case 'subscribe':
        this.subscribe();
        break;
      case 'publishOnline':
        this.publishStatus(onlineStatus(this.options.firmwareVersion ?? FIRMWARE_VERSION));
        this.emit({ type: 'online' });
        break;
      case 'publishOffline':
        this.publishStatus(OFFLINE_STATUS);
        break;
      case 'disconnect':
        this.session?.close(true);
        this.session = undefined;
        break;
      case 'publishBatch': {
        const batch = this.core.batchAfter(effect.afterSeq, effect.maxReadings);
        if (batch !== undefined && this.session !== undefined) {
          this.session.publish(meterTopic(this.meterId, MeterChannel.READINGS), batch.bytes, { qos: 1, retain: false }, (error) => {
            if (error) this.log('warn', `publishing readings ${batch.firstSeq}..${batch.lastSeq} failed: ${error.message}`);
          });
          this.counters.messagesPublished++;
          this.counters.readingsPublished += batch.count;
          this.counters.bytesPublished += batch.bytes.length;
          this.emit({ type: 'published', firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, count: batch.count, bytes: batch.bytes.length });
        }
        this.dispatch({ type: 'sent', nowMs: clock.monotonicMs(), lastSeq: batch?.lastSeq });
        break;
      }
      case 'setTimer':
        if (this.publishTimer) clock.clearTimer(this.publishTimer);
        this.publishTimer = undefined;
        if (effect.atMs !== undefined && this.running) {
          this.publishTimer = clock.setTimer(effect.atMs - clock.monotonicMs(), () => {
            this.publishTimer = undefined;
            if (this.running) this.dispatch({ type: 'timer', nowMs: clock.monotonicMs() });
          });
        }
        break;
      case 'log':
        this.log(effect.level, effect.message);
        break;
    }
  }

  private connect(): void {
    const { provisioning } = this.core;
    this.counters.connects++;
    let live = true;
    const session = this.hal.network.connect(
      {
        url: this.core.brokerUrl(), clientId: this.meterId, keepaliveS: this.options.keepaliveS ?? 60,
        username: provisioning.username ?? this.meterId,
        ...(provisioning.password === undefined ? {} : { password: provisioning.password }),
        will: { topic: meterTopic(this.meterId, MeterChannel.STATUS), payload: OFFLINE_STATUS, qos: 1, retain: true },
      },
      {
        onConnect: () => {
          if (live && this.running) this.dispatch({ type: 'connected', nowMs: this.hal.clock.monotonicMs() });
        },
        onClose: (reason) => {
          if (!live) return;
          live = false;
          if (this.session === session) this.session = undefined;
          if (!this.running) return;
          this.emit({ type: 'offline', reason });
          this.dispatch({ type: 'connectionLost', nowMs: this.hal.clock.monotonicMs(), reason, jitter: randomUnit(this.hal.random) });
        },
        onMessage: (topic, payload) => {
          if (live && this.running) this.onMessage(topic, payload);
        },
      },
    );
    this.session = session;
  }

  private subscribe(): void {
    const session = this.session;
    if (session === undefined) return;
    let pending = 2;
    let failed = false;
    const done = (error?: Error): void => {
      if (failed || session !== this.session) return;
      if (error) {
        failed = true;
        session.close(false);
        this.session = undefined;
        this.dispatch({ type: 'connectionLost', nowMs: this.hal.clock.monotonicMs(), reason: `subscribe failed: ${error.message}`, jitter: randomUnit(this.hal.random) });
      } else if (--pending === 0) {
        this.dispatch({ type: 'subscribed', nowMs: this.hal.clock.monotonicMs() });
      }
    };
    session.subscribe(meterTopic(this.meterId, MeterChannel.ACK), 1, done);
    session.subscribe(meterTopic(this.meterId, MeterChannel.CONFIG), 1, done);
  }

  private publishStatus(payload: Uint8Array): void {
    this.session?.publish(meterTopic(this.meterId, MeterChannel.STATUS), payload, { qos: 1, retain: true }, (error) => {
      if (error) this.log('warn', `publishing status failed: ${error.message}`);
    });
  }

  private onMessage(topic: string, payload: Uint8Array): void {
    if (topic === meterTopic(this.meterId, MeterChannel.ACK)) {
      const ack = decodeAck(payload);
      if (!ack.ok) return this.reject('ack', ack.reason);
      const outcome = this.core.acknowledge(ack.seq);
      if (!outcome.ok) return this.reject('ack', outcome.reason);
      this.emit({ type: 'acked', seq: ack.seq, removed: outcome.removed });
      this.dispatch({ type: 'ack', nowMs: this.hal.clock.monotonicMs(), seq: ack.seq });
    } else if (topic === meterTopic(this.meterId, MeterChannel.CONFIG)) {
      if (payload.length === 0) return;
      const result = this.core.applyConfig(payload);
      if (!result.ok) return this.reject('config', result.reason);
      if (!result.changed) return;
      this.log('info', `config ${result.config.serial} applied: interval ${result.config.intervalLength} s, broker ${result.config.brokerUrl}`);
      this.emit({ type: 'config', config: result.config });
      if (result.brokerChanged && this.session !== undefined) {
        const session = this.session;
        this.publishStatus(OFFLINE_STATUS);
        this.session = undefined;
        session.close(true);
        this.dispatch({ type: 'connectionLost', nowMs: this.hal.clock.monotonicMs(), reason: `moving to broker ${result.config.brokerUrl}`, jitter: 0 });
      }
    }
  }

  private reject(channel: 'ack' | 'config', reason: string): void {
    if (channel === 'ack') this.counters.rejectedAcks++;
    else this.counters.rejectedConfigs++;
    this.log('warn', `ignored message on the ${channel} topic: ${reason}`);
    this.emit({ type: 'rejected', channel, reason });
  }

  private emit(event: MeterEvent): void {
    this.options.onEvent?.(event);
  }
}
