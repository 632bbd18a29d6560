/**
 * The meter side of field pairing (DESIGN §8) as a thin shell around protocol's pure
 * responder: it frames the radio's units (NFC NDEF stream or BLE attribute values) into
 * pairing frames, feeds them with the monotonic time and fresh random bytes to
 * `responderStep`, performs the effects (send, close the link, stage / commit / roll back
 * through the hooks) and keeps one timer armed for the next deadline the responder has
 * (window end, fail-safe, idle session). Host-neutral: runs on Node and on XS.
 */
import {
  bleFraming, createResponder, ndefFraming, responderStep, type FrameDecoder, type Framing, type PairingErrorCode,
  type ProvisioningConfig, type ResponderEffect, type ResponderEvent, type ResponderPolicy, type ResponderState,
} from '@wattledger/protocol/pairing';
import type { Clock, TimerHandle } from '../hal/clock.js';
import type { RadioLinkInfo, RadioTransport, ShortRangeRadio } from '../hal/radio.js';
import type { RandomSource } from '../hal/random.js';
import { silentLogger, type Logger } from '../core/errors.js';
import type { PairingIdentity } from './pairing-records.js';

export interface CommissioningHooks {
  /** Persist as staged (keeping the previous configuration) and run with it. */
  stage(provisioning: ProvisioningConfig): void;
  /** The first reading under the staged provisioning was acknowledged: make it permanent. */
  commit(provisioning: ProvisioningConfig): void;
  /** Return to the configuration before staging. */
  rollback(reason: PairingErrorCode): void;
}

export type CommissioningEvent =
  | { readonly type: 'window'; readonly open: boolean; readonly closesAtMono?: number }
  | { readonly type: 'link-open'; readonly transport: RadioTransport }
  | { readonly type: 'link-closed'; readonly reason: string }
  | { readonly type: 'refused'; readonly code: PairingErrorCode; readonly reason: string }
  | { readonly type: 'framing-error'; readonly code: PairingErrorCode; readonly reason: string };

export interface CommissioningDeps {
  readonly clock: Clock;
  readonly radio: ShortRangeRadio;
  readonly random: RandomSource;
  readonly identity: PairingIdentity;
  readonly policy?: Partial<ResponderPolicy>;
  readonly log?: Logger;
  readonly onEvent?: (event: CommissioningEvent) => void;
}

interface Link {
  readonly framing: Framing;
  readonly decoder: FrameDecoder;
}

export class Commissioning {
  private responder: ResponderState;
  private link: Link | undefined;
  private timer: TimerHandle | undefined;
  private running = false;
  private readonly log: Logger;

  constructor(
    private readonly deps: CommissioningDeps,
    private readonly hooks: CommissioningHooks,
  ) {
    const { identity } = deps;
    this.log = deps.log ?? silentLogger;
    this.responder = createResponder({ staticSecret: identity.staticSecret, setupKey: identity.setupKey, signer: identity.signer, ...(deps.policy === undefined ? {} : { policy: deps.policy }) });
  }

  /** The responder's state (window, attempts, staged provisioning), for status displays and tests. */
  get state(): ResponderState {
    return this.responder;
  }

  get windowOpen(): boolean {
    return this.responder.windowClosesAt !== null;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.deps.radio.start({
      onLinkOpen: (info) => this.onLinkOpen(info),
      onUnit: (unit) => this.onUnit(unit),
      onLinkClosed: (reason) => this.onLinkClosed(reason),
    });
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.link = undefined;
    this.deps.radio.stop();
  }

  /** The pairing button (or first boot): opens the commissioning window, at most 15 min. */
  openWindow(durationMs?: number): void {
    this.step({ type: 'open-window', at: this.now(), ...(durationMs === undefined ? {} : { durationMs }) });
  }

  closeWindow(): void {
    this.step({ type: 'close-window', at: this.now() });
  }

  /** The gateway acknowledged a reading sent with the staged provisioning. */
  readingAcked(): void {
    this.step({ type: 'reading-acked', at: this.now() });
  }

  private now(): number {
    return this.deps.clock.monotonicMs();
  }

  private onLinkOpen(info: RadioLinkInfo): void {
    const framing = info.transport === 'nfc' ? ndefFraming() : bleFraming(info.attMtu);
    this.link = { framing, decoder: framing.decoder() };
    this.emit({ type: 'link-open', transport: info.transport });
  }

  private onUnit(unit: Uint8Array): void {
    const link = this.link;
    if (link === undefined || !this.running) return;
    const { frames, errors } = link.decoder.push(unit);
    for (const error of errors) {
      this.log('warn', `pairing link: ${error.reason}`);
      this.emit({ type: 'framing-error', code: error.code, reason: error.reason });
    }
    for (const bytes of frames) {
      if (this.link !== link) break;
      this.step({ type: 'frame', at: this.now(), bytes, random: this.deps.random.fill(new Uint8Array(32)) });
    }
  }

  private onLinkClosed(reason: string): void {
    if (this.link === undefined) return;
    this.link = undefined;
    this.emit({ type: 'link-closed', reason });
    this.step({ type: 'link-closed', at: this.now() });
  }

  private step(event: ResponderEvent): void {
    if (!this.running) return;
    const { state, effects } = responderStep(this.responder, event);
    this.responder = state;
    for (const effect of effects) this.perform(effect);
    this.arm();
  }

  private perform(effect: ResponderEffect): void {
    switch (effect.type) {
      case 'send': {
        const link = this.link;
        if (link !== undefined) for (const unit of link.framing.encode(effect.bytes)) this.deps.radio.send(unit);
        break;
      }
      case 'close-link':
        if (this.link !== undefined) this.deps.radio.disconnect();
        break;
      case 'stage':
        this.log('info', `pairing: provisioning staged for intermediary ${effect.provisioning.intermediaryId}, broker ${effect.provisioning.brokerUrl}`);
        this.hooks.stage(effect.provisioning);
        break;
      case 'commit':
        this.log('info', 'pairing: first reading acknowledged, provisioning committed');
        this.hooks.commit(effect.provisioning);
        break;
      case 'rollback':
        this.log('warn', `pairing: staged provisioning rolled back (${effect.reason})`);
        this.hooks.rollback(effect.reason);
        break;
      case 'window':
        this.log('info', effect.open ? `pairing: commissioning window open for ${Math.round(((effect.closesAt ?? 0) - this.responder.now) / 1000)} s` : 'pairing: commissioning window closed');
        this.emit({ type: 'window', open: effect.open, ...(effect.closesAt === undefined ? {} : { closesAtMono: effect.closesAt }) });
        break;
      case 'refused':
        this.log('warn', `pairing: refused ${effect.code}: ${effect.reason}`);
        this.emit({ type: 'refused', code: effect.code, reason: effect.reason });
        break;
    }
  }

  /** One timer for the earliest deadline the responder acts on by itself. */
  private arm(): void {
    const { clock } = this.deps;
    if (this.timer !== undefined) clock.clearTimer(this.timer);
    this.timer = undefined;
    const s = this.responder;
    const deadlines: number[] = [];
    if (s.windowClosesAt !== null) deadlines.push(s.windowClosesAt);
    if (s.staged !== null) deadlines.push(s.staged.deadline);
    else if (s.session !== null) deadlines.push(s.session.lastActivity + s.config.policy.sessionIdleMs);
    if (deadlines.length === 0 || !this.running) return;
    const at = Math.min(...deadlines);
    this.timer = clock.setTimer(Math.max(0, at - this.now()), () => {
      this.timer = undefined;
      this.step({ type: 'tick', at: this.now() });
    });
  }

  private emit(event: CommissioningEvent): void {
    this.deps.onEvent?.(event);
  }
}
