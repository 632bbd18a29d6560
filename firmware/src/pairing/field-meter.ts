/**
 * A meter that can be paired in the field (DESIGN §8): the metering runtime (runtime/meter.ts)
 * plus the commissioning shell on the short-range radio, and the life of staged provisioning:
 *
 *  - boot: staged provisioning found in storage (power lost while staged) is rolled back;
 *    then the meter runs its configuration, or, unprovisioned, opens the commissioning window;
 *  - stage: the previous configuration is kept in the `pstg` marker, the meter restarts with
 *    the staged values (broker, credential, role) and publishes as usual;
 *  - commit: when the gateway acknowledges a reading published with the staged values, the
 *    marker is deleted: that single write is the commit point;
 *  - rollback: when the fail-safe timer ends first (or the technician aborts), the previous
 *    configuration is restored and the meter restarts with it; a meter that had none returns
 *    to unprovisioned and forgets the readings of the staged run.
 *
 * A restart keeps the energy register continuous (OffsetSource): the open interval of the
 * previous run is carried into the first interval of the next when that interval covers it.
 * The provisioning file stays the factory / test path (`options.provisioning`).
 * Host-neutral: the XS device build and the Node simulator both use this class.
 */
import { type PairingErrorCode, type ProvisioningConfig, type ResponderPolicy, type ResponderState, type OnboardingPayload } from '@wattledger/protocol/pairing';
import type { MeterId } from '@wattledger/protocol';
import type { ShortRangeRadio } from '../hal/radio.js';
import type { EnergyCounters } from '../hal/energy-source.js';
import { silentLogger, type Logger } from '../core/errors.js';
import { decodeMeterState, encodeMeterState, StorageKey } from '../core/meter-state.js';
import { decodeProvisioning, encodeProvisioning, type Provisioning } from '../core/provisioning.js';
import { Meter, type MeterEvent, type MeterHal, type MeterOptions, type MeterStats } from '../runtime/meter.js';
import { Commissioning, type CommissioningEvent } from './commissioning.js';
import { OffsetSource } from './offset-source.js';
import { commitStaged, ensurePairingIdentity, PairingKey, rollbackStaged, writeStaged, type PairingIdentity } from './pairing-records.js';
import { firmwareProvisioning } from './provisioning-bridge.js';

/** One interval of 30 min plus 10 min for the reading to reach the gateway and the ack to come back. */
export const DEFAULT_FAIL_SAFE_MS = 40 * 60_000;

export interface FieldMeterHal extends MeterHal {
  readonly radio: ShortRangeRadio;
}

export type PairingEvent =
  | CommissioningEvent
  | { readonly type: 'staged'; readonly intermediaryId: string; readonly brokerUrl: string }
  | { readonly type: 'committed' }
  | { readonly type: 'rolled-back'; readonly reason: PairingErrorCode; readonly provisioned: boolean }
  | { readonly type: 'unusable'; readonly reason: string };

export type FieldMeterEvent = MeterEvent | { readonly type: 'pairing'; readonly event: PairingEvent };

export interface FieldMeterOptions extends Omit<MeterOptions, 'provisioning' | 'onEvent'> {
  /** Factory / test path: written at first boot when storage holds no provisioning (the provisioning file). */
  readonly provisioning?: Provisioning;
  /** Responder policy; the fail-safe defaults to DEFAULT_FAIL_SAFE_MS (a reading comes once per interval). */
  readonly pairing?: Partial<ResponderPolicy>;
  /** Bit mask of protocol's Capability for a new onboarding payload (default NFC | BLE). */
  readonly capabilities?: number;
  readonly onEvent?: (event: FieldMeterEvent) => void;
}

export class FieldMeter {
  readonly identity: PairingIdentity;
  readonly commissioning: Commissioning;
  private readonly hal: FieldMeterHal;
  private readonly options: FieldMeterOptions;
  private readonly log: Logger;
  private meter: Meter | undefined;
  /** A meter ran in this power-up: its last register is in storage, its counters in the source. */
  private ranThisBoot = false;
  private running = false;
  private acking = false;

  constructor(hal: FieldMeterHal, options: FieldMeterOptions = {}) {
    this.hal = hal;
    this.options = options;
    this.log = options.log ?? silentLogger;
    const { storage } = hal;
    this.identity = ensurePairingIdentity(storage, hal.random, hal.ed25519, options.capabilities);
    if (rollbackStaged(storage)) this.log('warn', 'pairing: staged provisioning found at boot (power lost before the commit): rolled back');
    if (storage.get(StorageKey.PROVISIONING) === undefined && options.provisioning !== undefined) {
      storage.put(StorageKey.PROVISIONING, encodeProvisioning(options.provisioning));
      storage.flush();
    }
    this.commissioning = new Commissioning(
      {
        clock: hal.clock, radio: hal.radio, random: hal.random, identity: this.identity, log: this.log,
        policy: { failSafeMs: DEFAULT_FAIL_SAFE_MS, ...options.pairing },
        onEvent: (event) => this.emitPairing(event),
      },
      { stage: (p) => this.stage(p), commit: () => this.commit(), rollback: (reason) => this.rollback(reason) },
    );
  }

  get meterId(): MeterId {
    return this.identity.onboarding.meterId;
  }

  get publicKey(): Uint8Array {
    return this.identity.signer.publicKey;
  }

  /** The label / NFC tag content. */
  get onboarding(): OnboardingPayload {
    return this.identity.onboarding;
  }

  /** The provisioning in force (committed or staged), if any. */
  get provisioning(): Provisioning | undefined {
    const bytes = this.hal.storage.get(StorageKey.PROVISIONING);
    return bytes === undefined ? undefined : decodeProvisioning(bytes);
  }

  get staged(): boolean {
    return this.hal.storage.get(PairingKey.STAGED) !== undefined;
  }

  /** The metering runtime, while the meter is provisioned. */
  get runtime(): Meter | undefined {
    return this.meter;
  }

  get pairingState(): ResponderState {
    return this.commissioning.state;
  }

  stats(): MeterStats | undefined {
    return this.meter?.stats();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.commissioning.start();
    if (this.provisioning !== undefined) this.startMeter();
    else {
      this.log('info', `meter ${this.meterId} is not provisioned: commissioning window open`);
      this.commissioning.openWindow();
    }
  }

  /** The pairing button. */
  pressButton(durationMs?: number): void {
    this.commissioning.openWindow(durationMs);
  }

  /** Planned shutdown: the meter persists and goes offline; a staged provisioning stays staged (and is rolled back at the next boot). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.meter?.stop();
    this.meter = undefined;
    this.commissioning.stop();
  }

  /** Power cut: nothing more is written or sent. */
  powerCut(): void {
    if (!this.running) return;
    this.running = false;
    this.meter?.powerCut();
    this.meter = undefined;
    this.commissioning.stop();
  }

  private stage(config: ProvisioningConfig): void {
    let provisioning: Provisioning;
    try {
      provisioning = firmwareProvisioning(config, this.provisioning);
    } catch (error) {
      // The receipt is already on its way: the fail-safe rolls this back, and nothing was written.
      const reason = `staged provisioning cannot be used by this firmware: ${(error as Error).message}`;
      this.log('error', `pairing: ${reason}`);
      this.emitPairing({ type: 'unusable', reason });
      return;
    }
    this.stopMeter();
    writeStaged(this.hal.storage, encodeProvisioning(provisioning));
    this.emitPairing({ type: 'staged', intermediaryId: config.intermediaryId, brokerUrl: config.brokerUrl });
    this.startMeter();
  }

  private commit(): void {
    if (!this.staged) return;
    commitStaged(this.hal.storage);
    this.emitPairing({ type: 'committed' });
  }

  private rollback(reason: PairingErrorCode): void {
    if (!this.staged) return;
    this.stopMeter();
    rollbackStaged(this.hal.storage);
    const provisioned = this.provisioning !== undefined;
    this.emitPairing({ type: 'rolled-back', reason, provisioned });
    if (provisioned) this.startMeter();
  }

  private stopMeter(): void {
    this.meter?.stop();
    this.meter = undefined;
  }

  /**
   * Starts the runtime on the stored provisioning. The first run of a power-up reads the raw
   * source (the core restores itself as after any reboot); a later run sees the source from
   * its start, with the previous run's open interval carried over when the new first
   * interval covers it, else reported in the log.
   */
  private startMeter(): void {
    const { hal } = this;
    const provisioning = this.provisioning;
    if (provisioning === undefined || !this.running) return;
    let source = hal.source;
    if (this.ranThisBoot) source = new OffsetSource(hal.source, this.carryOpenInterval(provisioning.intervalLength));
    else if (hal.storage.get(StorageKey.STATE) === undefined && this.staged) source = new OffsetSource(hal.source, hal.source.read());
    this.ranThisBoot = true;
    const { provisioning: _file, pairing: _policy, capabilities: _caps, onEvent: _onEvent, ...meterOptions } = this.options;
    const meter = new Meter({ ...hal, source }, { ...meterOptions, onEvent: (event) => this.onMeterEvent(meter, event) });
    this.meter = meter;
    meter.start();
  }

  /** Rewrites the stored state so the next core starts its first interval at the open interval's start; returns the source baseline. */
  private carryOpenInterval(lengthS: number): EnergyCounters {
    const { storage, source } = this.hal;
    const now = source.read();
    const bytes = storage.get(StorageKey.STATE);
    if (bytes === undefined) return now;
    const state = decodeMeterState(bytes);
    const open = state.open;
    if (open === undefined) return now;
    if (lengthS < open.length) {
      storage.put(StorageKey.STATE, encodeMeterState({ ...state, open: undefined }));
      storage.flush();
      this.log('warn', `interval ${open.start} (${open.length} s) in progress when the configuration changed is not reported: the new interval length is shorter`);
      return now;
    }
    const deltaImported = state.importedMWh - open.startImportedMWh;
    const deltaExported = state.exportedMWh - open.startExportedMWh;
    storage.put(StorageKey.STATE, encodeMeterState({ ...state, importedMWh: open.startImportedMWh, exportedMWh: open.startExportedMWh, open: undefined }));
    storage.flush();
    return { importedMWh: now.importedMWh - deltaImported, exportedMWh: now.exportedMWh - deltaExported };
  }

  private onMeterEvent(meter: Meter, event: MeterEvent): void {
    this.options.onEvent?.(event);
    // An ack proves the staged values work end to end; handled after the runtime's own callback returns.
    if (event.type === 'acked' && this.staged && !this.acking) {
      this.acking = true;
      this.hal.clock.setTimer(0, () => {
        this.acking = false;
        if (this.meter === meter && this.running) this.commissioning.readingAcked();
      });
    }
  }

  private emitPairing(event: PairingEvent): void {
    this.options.onEvent?.({ type: 'pairing', event });
  }
}

