/**
 * A technician's device for firmware pairing tests: protocol's initiator over the technician
 * end of the in-memory radio, through the link's framing. It records every effect; the test
 * drives time (virtual clock) and the microtask queue.
 */
import {
  bleFraming, initiatorStep, ndefFraming, startInitiator, type FrameDecoder, type Framing, type InitiatorConfig, type InitiatorEffect,
  type InitiatorEvent, type InitiatorState,
} from '@wattledger/protocol/pairing';
import type { RadioPeer } from '../src/pairing/memory-radio.js';

export class Technician {
  state: InitiatorState | undefined;
  readonly effects: InitiatorEffect[] = [];
  readonly framingErrors: string[] = [];
  /** Frames received from the meter, in order. */
  readonly received: Uint8Array[] = [];
  /** Frames sent to the meter, in order. */
  readonly sent: Uint8Array[] = [];
  linkClosed: string | undefined;
  private readonly framing: Framing;
  private readonly decoder: FrameDecoder;

  constructor(
    readonly peer: RadioPeer,
    private readonly random: () => Uint8Array,
  ) {
    this.framing = peer.transport === 'nfc' ? ndefFraming({ maxChunkPayload: 48 }) : bleFraming(peer.attMtu);
    this.decoder = this.framing.decoder();
    peer.setReceiver({
      onUnit: (unit) => {
        const { frames, errors } = this.decoder.push(unit);
        this.framingErrors.push(...errors.map((e) => `${e.code} ${e.reason}`));
        for (const frame of frames) {
          this.received.push(frame);
          this.event({ type: 'frame', bytes: frame });
        }
      },
      onClose: (reason) => {
        this.linkClosed = reason;
        if (this.state) this.event({ type: 'link-closed' });
      },
    });
  }

  start(config: InitiatorConfig): void {
    const { state, effects } = startInitiator(config, this.random());
    this.state = state;
    this.perform(effects);
  }

  event(event: InitiatorEvent): void {
    if (this.state === undefined) return;
    const { state, effects } = initiatorStep(this.state, event);
    this.state = state;
    this.perform(effects);
  }

  /** Sends a raw pairing frame (a replay) through the link's framing. */
  sendFrame(frame: Uint8Array): void {
    for (const unit of this.framing.encode(frame)) this.peer.send(unit);
  }

  get phase(): string | undefined {
    return this.state?.phase;
  }

  failure(): (InitiatorEffect & { type: 'failed' }) | undefined {
    return this.effects.find((e): e is InitiatorEffect & { type: 'failed' } => e.type === 'failed');
  }

  has(type: InitiatorEffect['type']): boolean {
    return this.effects.some((e) => e.type === type);
  }

  private perform(effects: InitiatorEffect[]): void {
    this.effects.push(...effects);
    for (const effect of effects) {
      if (effect.type !== 'send') continue;
      this.sent.push(effect.bytes);
      this.sendFrame(effect.bytes);
    }
  }
}
