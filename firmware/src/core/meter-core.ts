/**
 * The meter's synchronous core: boot from storage, turn energy samples into sealed, signed,
 * chained readings in the flash queue, drop them on ack, apply signed config. No timers, no
 * network, no async: the runtime shell calls it.
 *
 * Crash safety (the power-cut test checks each point):
 *  - the key is generated from the random source on first boot and flushed before use;
 *  - sequence numbers are reserved in blocks: the ceiling is flushed before any number of
 *    the block is used, and a reboot continues above the ceiling, so none is ever reused;
 *  - a reading is appended to the queue together with the register at its close, then the
 *    state record is written, then both are flushed, and only then can it be published. If
 *    the power fails in between, boot takes the newest queue record as the truth;
 *  - the register is persisted every `persistEveryMs`; energy after the last persist is not
 *    measured after a power cut, and the interval is flagged POWER_LOSS.
 * Full queue: no new reading is sealed; the interval's energy is carried into the next
 * reading sealed once an ack makes room, which is flagged ESTIMATED (see flash-queue.ts).
 */
import {
  decodeReading, decodeSign1, equalBytes, readingHash, READING_VERSION, ReadingFlag, signReadings, ZERO_HASH,
  meterIdFromPublicKey, type Ed25519Provider, type IntervalReading, type MeterId, type Signer,
} from '@wattledger/protocol';
import { ZERO_COUNTERS, type EnergyCounters } from '../hal/energy-source.js';
import type { RandomSource } from '../hal/random.js';
import type { Storage } from '../hal/storage.js';
import { NotProvisionedError, silentLogger, StorageCorruptError, type Logger } from './errors.js';
import { DEFAULT_QUEUE_CAPACITY, FlashQueue } from './flash-queue.js';
import { accumulate, resumeAccumulator, DEFAULT_STEP_TOLERANCE_MS, type AccumulatorState, type ClosedInterval, type OpenInterval } from './interval-accumulator.js';
import { verifyMeterConfig, type MeterConfig } from './meter-config.js';
import { decodeMeterState, decodeUint, encodeMeterState, encodeUint, INITIAL_STATE, StorageKey, type MeterState } from './meter-state.js';
import { decodeProvisioning, encodeProvisioning, type Provisioning } from './provisioning.js';

export interface MeterCoreOptions {
  readonly storage: Storage;
  readonly random: RandomSource;
  readonly ed25519: Ed25519Provider;
  /** Written on first boot; ignored when storage already holds a provisioning. */
  readonly provisioning?: Provisioning;
  readonly queueCapacity?: number;
  /** Sequence numbers reserved per flash write (default 64). */
  readonly seqBlock?: number;
  /** Register persisted at least this often, monotonic ms (default 5 min). */
  readonly persistEveryMs?: number;
  readonly stepToleranceMs?: number;
  /** Readings per batch message (default 48: a day of 30-min intervals). */
  readonly maxBatch?: number;
  readonly log?: Logger;
}

export interface MeterSample {
  readonly wallMs: number;
  readonly monoMs: number;
  readonly synced: boolean;
  /** Raw counters of the energy source (which restarts from zero at boot). */
  readonly source: EnergyCounters;
}

export interface SealedReading {
  readonly seq: number;
  readonly reading: IntervalReading;
  /** COSE_Sign1 of the single reading. */
  readonly signed: Uint8Array;
}

export interface SampleResult {
  readonly sealed?: SealedReading;
  /** The interval closed while the queue was full; its energy was carried forward. */
  readonly folded?: ClosedInterval;
}

export interface ReadingBatch {
  readonly bytes: Uint8Array;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly count: number;
}

export type ApplyConfigResult =
  | { readonly ok: true; readonly changed: boolean; readonly config: MeterConfig; readonly brokerChanged: boolean }
  | { readonly ok: false; readonly reason: string };

export type AckOutcome = { readonly ok: true; readonly removed: number } | { readonly ok: false; readonly reason: string };

export const DEFAULT_SEQ_BLOCK = 64;
export const DEFAULT_PERSIST_EVERY_MS = 5 * 60_000;
export const DEFAULT_MAX_BATCH = 48;

export class MeterCore {
  readonly meterId: MeterId;
  readonly publicKey: Uint8Array;
  readonly provisioning: Provisioning;
  readonly maxBatch: number;
  private readonly storage: Storage;
  private readonly ed25519: Ed25519Provider;
  private readonly signer: Signer;
  private readonly queue: FlashQueue;
  private readonly log: Logger;
  private readonly seqBlock: number;
  private readonly persistEveryMs: number;
  private readonly stepToleranceMs: number;
  private state: MeterState;
  private accumulator: AccumulatorState;
  private nextSeq: number;
  private reservedUpTo: number;
  private config: MeterConfig | undefined;
  private configBytes: Uint8Array | undefined;
  /** Register at boot, and the source's counters it corresponds to (zero: the source counts from power-up). */
  private registerBase: EnergyCounters;
  private sourceBase: EnergyCounters = ZERO_COUNTERS;
  private lastSource: EnergyCounters | undefined;
  private lastPersistMono = 0;
  private persistedThisBoot = false;

  constructor(options: MeterCoreOptions) {
    const { storage } = options;
    this.storage = storage;
    this.ed25519 = options.ed25519;
    this.log = options.log ?? silentLogger;
    this.seqBlock = options.seqBlock ?? DEFAULT_SEQ_BLOCK;
    this.persistEveryMs = options.persistEveryMs ?? DEFAULT_PERSIST_EVERY_MS;
    this.stepToleranceMs = options.stepToleranceMs ?? DEFAULT_STEP_TOLERANCE_MS;
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(this.seqBlock) || this.seqBlock < 1) throw new RangeError('seqBlock must be a positive integer');

    const storedProvisioning = storage.get(StorageKey.PROVISIONING);
    if (storedProvisioning !== undefined) {
      this.provisioning = decodeProvisioning(storedProvisioning);
    } else if (options.provisioning !== undefined) {
      this.provisioning = options.provisioning;
      storage.put(StorageKey.PROVISIONING, encodeProvisioning(options.provisioning));
    } else {
      throw new NotProvisionedError('the meter is not provisioned: give it a provisioning file');
    }
    let secret = storage.get(StorageKey.SECRET_KEY);
    if (secret === undefined) {
      secret = options.random.fill(new Uint8Array(32));
      storage.put(StorageKey.SECRET_KEY, secret);
      this.log('info', 'generated the meter key from the hardware random source');
    } else if (secret.length !== 32) {
      throw new StorageCorruptError(`stored secret key has ${secret.length} bytes, 32 expected`);
    }
    storage.flush();
    this.signer = this.ed25519.signer(secret);
    this.publicKey = this.signer.publicKey;
    this.meterId = meterIdFromPublicKey(this.publicKey);

    this.queue = new FlashQueue(storage, options.queueCapacity ?? DEFAULT_QUEUE_CAPACITY);
    const storedState = storage.get(StorageKey.STATE);
    this.state = this.reconcile(storedState === undefined ? INITIAL_STATE : decodeMeterState(storedState));
    const storedCeiling = storage.get(StorageKey.SEQ_CEILING);
    const ceiling = storedCeiling === undefined ? 1 : decodeUint(storedCeiling, 'sequence ceiling');
    this.nextSeq = Math.max(ceiling, this.state.sealedSeq + 1, 1);
    this.reservedUpTo = this.nextSeq;

    const storedConfig = storage.get(StorageKey.CONFIG);
    if (storedConfig !== undefined) {
      const result = verifyMeterConfig(storedConfig, this.configContext(-1));
      if (result.ok) {
        this.config = result.config;
        this.configBytes = storedConfig;
      } else {
        this.log('warn', `stored config ignored: ${result.reason}`);
      }
    }
    this.accumulator = resumeAccumulator(this.state.open, this.intervalLength());
    this.registerBase = { importedMWh: this.state.importedMWh, exportedMWh: this.state.exportedMWh };
  }

  /** Interval length in force for new intervals, s (signed config, else provisioning). */
  intervalLength(): number {
    return this.config?.intervalLength ?? this.provisioning.intervalLength;
  }

  brokerUrl(): string {
    return this.config?.brokerUrl ?? this.provisioning.brokerUrl;
  }

  appliedConfig(): MeterConfig | undefined {
    return this.config;
  }

  /** Feeds one energy sample; seals a reading when an interval closes. */
  sample(sample: MeterSample): SampleResult {
    const register = this.register(sample.source);
    if (this.accumulator.open === undefined) {
      // The very first interval counts from the register at power-up, not from the first sample.
      this.accumulator = accumulate(this.accumulator, { ...sample, ...this.registerBase }, this.stepToleranceMs).state;
    }
    const previousOpen = this.accumulator.open;
    const step = accumulate(this.accumulator, { wallMs: sample.wallMs, monoMs: sample.monoMs, synced: sample.synced, ...register }, this.stepToleranceMs);
    this.accumulator = step.state;
    const closed = step.closed;
    if (closed === undefined) {
      if (!this.persistedThisBoot || sample.monoMs - this.lastPersistMono >= this.persistEveryMs) this.persist(sample.monoMs, register);
      return {};
    }
    if (this.queue.isFull()) {
      this.fold(closed, previousOpen!);
      this.persist(sample.monoMs, register);
      return { folded: closed };
    }
    const sealed = this.seal(closed);
    this.persist(sample.monoMs, register);
    return { sealed };
  }

  /** Persists the register and the open interval now (e.g. before a planned shutdown). */
  persistNow(monoMs: number): void {
    this.persist(monoMs, this.lastSource === undefined ? this.registerBase : this.registerAt(this.lastSource));
  }

  /** Wall time (ms) at which the open interval ends, if any. */
  openIntervalEndMs(): number | undefined {
    const open = this.accumulator.open;
    return open === undefined ? undefined : (open.start + open.length) * 1000;
  }

  /** Monotonic time (ms) of the next periodic persist. */
  nextPersistMono(): number {
    return this.lastPersistMono + this.persistEveryMs;
  }

  /** Drops every queued reading up to `seq` after the gateway acknowledged it. */
  acknowledge(seq: number): AckOutcome {
    if (seq > this.state.sealedSeq) return { ok: false, reason: `ack ${seq} is beyond the newest reading ${this.state.sealedSeq}` };
    const removed = this.queue.removeUpTo(seq);
    if (removed > 0) this.storage.flush();
    return { ok: true, removed };
  }

  /** Readings after `afterSeq` as one message: the stored single reading, or a batch signed once. */
  batchAfter(afterSeq: number, max: number = this.maxBatch): ReadingBatch | undefined {
    const entries = this.queue.after(afterSeq, max);
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (first === undefined || last === undefined) return undefined;
    const bytes = entries.length === 1 ? first.signed : signReadings(entries.map((e) => decodeReading(decodeSign1(e.signed).payload)), this.signer);
    return { bytes, firstSeq: first.seq, lastSeq: last.seq, count: entries.length };
  }

  /** Verifies and applies a config message from the retained config topic. */
  applyConfig(bytes: Uint8Array): ApplyConfigResult {
    if (this.config !== undefined && this.configBytes !== undefined && equalBytes(bytes, this.configBytes)) {
      return { ok: true, changed: false, config: this.config, brokerChanged: false };
    }
    const result = verifyMeterConfig(bytes, this.configContext(this.config?.serial ?? -1));
    if (!result.ok) return result;
    const brokerChanged = result.config.brokerUrl !== this.brokerUrl();
    this.storage.put(StorageKey.CONFIG, bytes.slice());
    this.storage.flush();
    this.config = result.config;
    this.configBytes = bytes.slice();
    this.accumulator = { ...this.accumulator, lengthS: result.config.intervalLength };
    return { ok: true, changed: true, config: result.config, brokerChanged };
  }

  queueSize(): number {
    return this.queue.size();
  }

  queueCapacity(): number {
    return this.queue.capacity;
  }

  oldestQueuedSeq(): number | undefined {
    return this.queue.oldestSeq();
  }

  newestSeq(): number {
    return this.state.sealedSeq;
  }

  /** Register now (mWh) and counters for progress displays and tests. */
  snapshot(): { importedMWh: number; exportedMWh: number; sealedSeq: number; queued: number; folded: number; open: OpenInterval | undefined } {
    const register = this.lastSource === undefined ? this.registerBase : this.registerAt(this.lastSource);
    return { ...register, sealedSeq: this.state.sealedSeq, queued: this.queue.size(), folded: this.state.folded, open: this.accumulator.open };
  }

  private configContext(currentSerial: number) {
    return { intermediaryPublicKey: this.provisioning.intermediaryPublicKey, verifier: this.ed25519, meterId: this.meterId, currentSerial };
  }

  /** After a power cut the newest queue record may be newer than the state record. */
  private reconcile(stored: MeterState): MeterState {
    const newest = this.queue.newest();
    if (newest === undefined || newest.seq <= stored.sealedSeq) return stored;
    let reading: IntervalReading;
    try {
      reading = decodeReading(decodeSign1(newest.signed).payload);
    } catch (cause) {
      throw new StorageCorruptError(`flash queue holds an undecodable reading (seq ${newest.seq})`, { cause });
    }
    this.log('warn', `state record predates reading ${newest.seq}: restored from the flash queue`);
    const open: OpenInterval = {
      start: reading.intervalStart + reading.intervalLength, length: reading.intervalLength,
      startImportedMWh: newest.endImportedMWh, startExportedMWh: newest.endExportedMWh, flags: ReadingFlag.POWER_LOSS,
    };
    return { sealedSeq: newest.seq, lastHash: readingHash(reading), importedMWh: newest.endImportedMWh, exportedMWh: newest.endExportedMWh, open, folded: stored.folded };
  }

  private register(source: EnergyCounters): EnergyCounters {
    const last = this.lastSource;
    if (last !== undefined && (source.importedMWh < last.importedMWh || source.exportedMWh < last.exportedMWh)) {
      this.registerBase = this.registerAt(last);
      this.sourceBase = source;
      this.log('warn', 'energy source counters went backwards (source restarted): the register continues from its last value');
    }
    this.lastSource = source;
    return this.registerAt(source);
  }

  private registerAt(source: EnergyCounters): EnergyCounters {
    const base = this.sourceBase;
    return {
      importedMWh: this.registerBase.importedMWh + (source.importedMWh - base.importedMWh),
      exportedMWh: this.registerBase.exportedMWh + (source.exportedMWh - base.exportedMWh),
    };
  }

  private allocateSeq(): number {
    if (this.nextSeq >= this.reservedUpTo) {
      this.reservedUpTo = this.nextSeq + this.seqBlock;
      this.storage.put(StorageKey.SEQ_CEILING, encodeUint(this.reservedUpTo));
      this.storage.flush();
    }
    return this.nextSeq++;
  }

  private seal(closed: ClosedInterval): SealedReading {
    const seq = this.allocateSeq();
    const reading: IntervalReading = {
      version: READING_VERSION, meterId: this.meterId, seq, intervalStart: closed.start, intervalLength: closed.length,
      importedWh: closed.importedWh, exportedWh: closed.exportedWh, flags: closed.flags,
      productionMethod: this.provisioning.productionMethod, prevHash: this.state.sealedSeq === 0 ? ZERO_HASH : this.state.lastHash,
    };
    const signed = signReadings(reading, this.signer);
    this.queue.push({ seq, signed, endImportedMWh: closed.endImportedMWh, endExportedMWh: closed.endExportedMWh });
    this.state = { ...this.state, sealedSeq: seq, lastHash: readingHash(reading) };
    return { seq, reading, signed };
  }

  private fold(closed: ClosedInterval, previousOpen: OpenInterval): void {
    const open = this.accumulator.open!;
    this.accumulator = {
      ...this.accumulator,
      open: { ...open, startImportedMWh: previousOpen.startImportedMWh, startExportedMWh: previousOpen.startExportedMWh, flags: open.flags | closed.flags | ReadingFlag.ESTIMATED },
    };
    this.state = { ...this.state, folded: this.state.folded + 1 };
    this.log('warn', `flash queue full (${this.queue.capacity} readings unacknowledged): energy of interval ${closed.start} carried into the next reading, flagged ESTIMATED`);
  }

  private persist(monoMs: number, register: EnergyCounters): void {
    this.state = { ...this.state, importedMWh: register.importedMWh, exportedMWh: register.exportedMWh, open: this.accumulator.open };
    this.storage.put(StorageKey.STATE, encodeMeterState(this.state));
    this.storage.flush();
    this.lastPersistMono = monoMs;
    this.persistedThisBoot = true;
  }
}
