/**
 * A pairable meter for gateway tests, built from protocol's pure responder and the gateway
 * tests' TestMeter (the gateway must not import firmware; the real firmware meter pairs in
 * bench/test/pairing-e2e.test.ts). Its radio is an in-memory link with the tool's
 * PairingLink shape; on `stage` it connects with the staged credential and publishes its
 * next reading until the gateway acks it, which commits; `silent` meters never reach the
 * broker, so their fail-safe rolls back.
 */
import { randomBytes } from 'node:crypto';
import {
  bleFraming, Capability, createResponder, ndefFraming, responderStep, setupCodeFromRandom, setupCodeKey, x25519KeyPair, type FrameDecoder, type Framing,
  type OnboardingPayload, type ProvisioningConfig, type ResponderEffect, type ResponderEvent, type ResponderPolicy, type ResponderState,
} from '@wattledger/protocol/pairing';
import type { PairingLink, PairingLinkReceiver, PairingTransport } from '../src/pairing/technician/pairing-link.js';
import { TestMeter } from './helpers/test-meter.js';

export type Interceptor = (unit: Uint8Array, from: 'meter' | 'technician') => Uint8Array[];

interface Link {
  readonly framing: Framing;
  readonly decoder: FrameDecoder;
  receiver: PairingLinkReceiver | undefined;
  closing: boolean;
}

export class StandInMeter {
  readonly meter: TestMeter;
  readonly onboarding: OnboardingPayload;
  readonly effects: ResponderEffect[] = [];
  /** Frames the meter received, in order (to replay them). */
  readonly received: Uint8Array[] = [];
  state: ResponderState;
  behaviour: 'publish' | 'silent' = 'publish';
  /** Resolved by the test once the meter may publish (after the ledger knows it). */
  publishGate: Promise<void> = Promise.resolve();
  active: ProvisioningConfig | undefined;
  staged: ProvisioningConfig | undefined;
  private link: Link | undefined;
  private readonly t0 = Date.now();
  private readonly ticker: NodeJS.Timeout;

  constructor(options: { policy?: Partial<ResponderPolicy>; interceptor?: Interceptor } = {}) {
    this.meter = new TestMeter({ role: 'producer', productionMethod: 1 });
    const staticSecret = new Uint8Array(randomBytes(32));
    const setupCode = setupCodeFromRandom(new Uint8Array(randomBytes(16)));
    this.state = createResponder({ staticSecret, setupKey: setupCodeKey(setupCode), signer: this.meter.signer, ...(options.policy ? { policy: options.policy } : {}) });
    this.onboarding = { version: 1, meterId: this.meter.id, staticKey: x25519KeyPair(staticSecret).publicKey, setupCode, capabilities: Capability.NFC | Capability.BLE };
    this.interceptor = options.interceptor;
    this.ticker = setInterval(() => this.step({ type: 'tick', at: this.now() }), 25);
  }

  private readonly interceptor: Interceptor | undefined;

  now(): number {
    return Date.now() - this.t0;
  }

  pressButton(durationMs?: number): void {
    this.step({ type: 'open-window', at: this.now(), ...(durationMs === undefined ? {} : { durationMs }) });
  }

  /** A technician's device connects; returns its end of the link. */
  connect(transport: PairingTransport, attMtu = 23): PairingLink {
    const framing = transport === 'nfc' ? ndefFraming() : bleFraming(attMtu);
    const link: Link = { framing, decoder: framing.decoder(), receiver: undefined, closing: false };
    this.link = link;
    const deliver = (unit: Uint8Array, from: 'meter' | 'technician', to: (u: Uint8Array) => void): void => {
      for (const u of this.interceptor ? this.interceptor(unit.slice(), from) : [unit.slice()]) setImmediate(() => to(u));
    };
    return {
      transport,
      ...(transport === 'ble' ? { attMtu } : {}),
      send: (unit) => {
        if (!link.closing) deliver(unit, 'technician', (u) => this.onUnit(link, u));
      },
      setReceiver: (receiver) => {
        link.receiver = receiver;
      },
      close: () => this.closeLink(link, 'the technician ended the link'),
    };
  }

  close(): void {
    clearInterval(this.ticker);
    if (this.link) this.closeLink(this.link, 'the meter stopped');
    void this.meter.disconnect();
  }

  private closeLink(link: Link, reason: string): void {
    if (link.closing) return;
    link.closing = true;
    setImmediate(() => {
      link.receiver?.onClose(reason);
      if (this.link === link) {
        this.link = undefined;
        this.step({ type: 'link-closed', at: this.now() });
      }
    });
  }

  private onUnit(link: Link, unit: Uint8Array): void {
    if (link.closing || this.link !== link) return;
    const { frames } = link.decoder.push(unit);
    for (const bytes of frames) {
      this.received.push(bytes);
      this.step({ type: 'frame', at: this.now(), bytes, random: new Uint8Array(randomBytes(32)) });
    }
  }

  step(event: ResponderEvent): ResponderEffect[] {
    const { state, effects } = responderStep(this.state, event);
    this.state = state;
    this.effects.push(...effects.filter((e) => e.type !== 'send'));
    for (const effect of effects) {
      const link = this.link;
      if (effect.type === 'send' && link && !link.closing) {
        for (const unit of link.framing.encode(effect.bytes)) {
          for (const u of this.interceptor ? this.interceptor(unit.slice(), 'meter') : [unit.slice()]) setImmediate(() => link.receiver?.onUnit(u));
        }
      } else if (effect.type === 'close-link' && link) {
        this.closeLink(link, 'the meter ended the link');
      } else if (effect.type === 'stage') {
        this.staged = effect.provisioning;
        if (this.behaviour === 'publish') void this.publishFirstReading(effect.provisioning);
      } else if (effect.type === 'commit') {
        this.active = effect.provisioning;
        this.staged = undefined;
      } else if (effect.type === 'rollback') {
        this.staged = undefined;
        void this.meter.disconnect();
      }
    }
    return effects;
  }

  private async publishFirstReading(provisioning: ProvisioningConfig): Promise<void> {
    await this.publishGate;
    this.meter.password = provisioning.mqttPassword;
    await this.meter.connect(provisioning.brokerUrl);
    const seq = this.meter.seq;
    await this.meter.publishUntilAcked([{ firstSeq: seq, cose: this.meter.next() }], seq);
    this.step({ type: 'reading-acked', at: this.now() });
  }
}
