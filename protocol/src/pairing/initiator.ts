/**
 * The technician side of pairing as a pure state machine: `initiatorStep(state, event) ->
 * { state, effects }`. The shell (the `pair` tool) moves frames over NFC or BLE, shows the
 * effects and polls for the commit.
 *
 *   start        -> HANDSHAKE_1                         (Noise NK -> e, es)
 *   HANDSHAKE_2  -> PROVE (setup-code HMAC over h)      (<- e, ee; channel established)
 *   IDENTITY     -> check binding, PROVISION
 *   STAGED       -> check receipt, wait; `poll` sends STATUS_QUERY
 *   STATUS committed -> done (PairingResult for the gateway registrar)
 *
 * The Noise handshake state is not kept between steps: the state holds the ephemeral secret
 * and message 1, and the handshake is replayed deterministically when message 2 arrives, so
 * the state stays plain data.
 */
import type { Verifier } from '../signer.js';
import { type PairingResult, verifyBinding, verifyReceipt } from './binding.js';
import { type ChannelKeys, channelKeys, openFrame, pairingPrologue, sealFrame } from './channel.js';
import { PairingError, PairingErrorCode } from './errors.js';
import { decodeFrame, encodeFrame, FrameKind } from './frame.js';
import { checkHandshakePayload, decodeMessage, encodeHandshakePayload, encodeMessage, MessageType, type PairingMessage, ProvisioningStatus } from './messages.js';
import { HandshakeState, NK, x25519KeyPair } from './noise/handshake-state.js';
import { type OnboardingPayload, validateOnboarding } from './onboarding.js';
import { type ProvisioningConfig, provisioningDigest, summarizeProvisioning, validateProvisioning } from './provisioning.js';
import { setupCodeKey, setupCodeProof } from './setup-code.js';

export interface InitiatorConfig {
  readonly onboarding: OnboardingPayload;
  /** A setup code typed separately (already checked with parseSetupCode); default: the onboarding payload's. */
  readonly setupCode?: string;
  readonly provisioning: ProvisioningConfig;
  readonly verifier: Verifier;
}

export type InitiatorPhase = 'handshake' | 'proving' | 'provisioning' | 'committing' | 'done' | 'failed';

export interface InitiatorState {
  readonly config: InitiatorConfig;
  readonly phase: InitiatorPhase;
  readonly ephemeralSecret: Uint8Array;
  readonly keys: ChannelKeys | null;
  readonly meterPublicKey: Uint8Array | null;
  readonly receipt: Uint8Array | null;
  readonly binding: Uint8Array | null;
}

export type InitiatorEvent =
  | { readonly type: 'frame'; readonly bytes: Uint8Array }
  /** Ask the meter for its provisioning status (while waiting for the commit). */
  | { readonly type: 'poll' }
  /** The technician gives up: staged provisioning is rolled back on the meter. */
  | { readonly type: 'abort' }
  | { readonly type: 'link-closed' };

export type InitiatorEffect =
  | { readonly type: 'send'; readonly bytes: Uint8Array }
  /** The meter proved its identity: show it to the technician. */
  | { readonly type: 'identity'; readonly meterId: string; readonly meterPublicKey: Uint8Array }
  | { readonly type: 'staged'; readonly failSafeMs: number }
  | { readonly type: 'status'; readonly status: ProvisioningStatus; readonly failSafeLeftMs?: number }
  | { readonly type: 'done'; readonly result: PairingResult }
  | { readonly type: 'failed'; readonly error: PairingError };

export interface InitiatorStepResult {
  readonly state: InitiatorState;
  readonly effects: InitiatorEffect[];
}

function handshake(config: InitiatorConfig, ephemeralSecret: Uint8Array): HandshakeState {
  return new HandshakeState({
    pattern: NK,
    initiator: true,
    prologue: pairingPrologue(config.onboarding.meterId),
    e: x25519KeyPair(ephemeralSecret),
    rs: config.onboarding.staticKey,
  });
}

/** Starts a pairing session: `random` is 32 fresh bytes for the Noise ephemeral. */
export function startInitiator(config: InitiatorConfig, random: Uint8Array): InitiatorStepResult {
  validateOnboarding(config.onboarding);
  validateProvisioning(config.provisioning);
  setupCodeKey(config.setupCode ?? config.onboarding.setupCode);
  const hs = handshake(config, random);
  const message1 = hs.writeMessage(encodeHandshakePayload());
  const state: InitiatorState = Object.freeze({ config, phase: 'handshake', ephemeralSecret: random.slice(), keys: null, meterPublicKey: null, receipt: null, binding: null });
  return { state, effects: [{ type: 'send', bytes: encodeFrame({ kind: FrameKind.HANDSHAKE_1, noise: message1 }) }] };
}

interface Step {
  s: InitiatorState;
  effects: InitiatorEffect[];
}

function update(step: Step, patch: Partial<InitiatorState>): void {
  step.s = Object.freeze({ ...step.s, ...patch });
}

function send(step: Step, message: PairingMessage): void {
  const { keys, frame } = sealFrame(step.s.keys!, encodeMessage(message));
  update(step, { keys });
  step.effects.push({ type: 'send', bytes: frame });
}

function fail(step: Step, error: PairingError): void {
  update(step, { phase: 'failed' });
  step.effects.push({ type: 'failed', error });
}

function unexpected(what: string, phase: InitiatorPhase): PairingError {
  return new PairingError(PairingErrorCode.BAD_MESSAGE, `meter sent ${what} while the tool was in phase ${phase}`);
}

function onHandshake2(step: Step, noise: Uint8Array): void {
  if (step.s.phase !== 'handshake') throw unexpected('handshake message 2', step.s.phase);
  const { config } = step.s;
  const hs = handshake(config, step.s.ephemeralSecret);
  hs.writeMessage(encodeHandshakePayload());
  checkHandshakePayload(hs.readMessage(noise));
  const keys = channelKeys(hs.result, true);
  update(step, { keys, phase: 'proving' });
  const proof = setupCodeProof(setupCodeKey(config.setupCode ?? config.onboarding.setupCode), keys.handshakeHash);
  send(step, { type: MessageType.PROVE, proof });
}

/** The pairing result for the gateway registrar, once the meter has staged (the same at commit). */
export function pairingResultOf(s: InitiatorState): PairingResult {
  const { onboarding, provisioning } = s.config;
  return Object.freeze({
    meterId: onboarding.meterId,
    staticKey: onboarding.staticKey,
    meterPublicKey: s.meterPublicKey!,
    handshakeHash: s.keys!.handshakeHash,
    binding: s.binding!,
    receipt: s.receipt!,
    provisioning: summarizeProvisioning(provisioning),
  });
}

function onMessage(step: Step, message: PairingMessage): void {
  const { config, phase } = step.s;
  switch (message.type) {
    case MessageType.IDENTITY: {
      if (phase !== 'proving') throw unexpected('IDENTITY', phase);
      const { onboarding } = config;
      verifyBinding(message.binding, message.meterPublicKey, { meterId: onboarding.meterId, staticKey: onboarding.staticKey, handshakeHash: step.s.keys!.handshakeHash }, config.verifier);
      update(step, { meterPublicKey: message.meterPublicKey, binding: message.binding, phase: 'provisioning' });
      step.effects.push({ type: 'identity', meterId: onboarding.meterId, meterPublicKey: message.meterPublicKey });
      send(step, { type: MessageType.PROVISION, provisioning: config.provisioning });
      return;
    }
    case MessageType.STAGED:
      if (phase !== 'provisioning') throw unexpected('STAGED', phase);
      verifyReceipt(message.receipt, step.s.meterPublicKey!, step.s.keys!.handshakeHash, provisioningDigest(config.provisioning), config.verifier);
      update(step, { receipt: message.receipt, phase: 'committing' });
      step.effects.push({ type: 'staged', failSafeMs: message.failSafeMs });
      return;
    case MessageType.STATUS:
      if (phase !== 'committing') throw unexpected('STATUS', phase);
      if (message.status === ProvisioningStatus.COMMITTED) {
        update(step, { phase: 'done' });
        step.effects.push({ type: 'done', result: pairingResultOf(step.s) });
      } else if (message.status === ProvisioningStatus.STAGED) {
        step.effects.push({ type: 'status', status: message.status, ...(message.failSafeLeftMs === undefined ? {} : { failSafeLeftMs: message.failSafeLeftMs }) });
      } else {
        fail(step, new PairingError(PairingErrorCode.ROLLED_BACK, 'the meter rolled the provisioning back: no reading was acknowledged by the gateway in time (or it was aborted)'));
      }
      return;
    case MessageType.ERROR:
      fail(step, new PairingError(message.code, `meter refused: ${message.code}`, { details: message.details }));
      return;
    default:
      throw unexpected(`message type ${message.type}`, phase);
  }
}

function onFrame(step: Step, bytes: Uint8Array): void {
  const frame = decodeFrame(bytes);
  switch (frame.kind) {
    case FrameKind.REFUSAL:
      return fail(step, new PairingError(frame.code, `meter refused: ${frame.code}`, { details: frame.details }));
    case FrameKind.HANDSHAKE_2:
      return onHandshake2(step, frame.noise);
    case FrameKind.TRANSPORT: {
      if (step.s.keys === null) throw unexpected('a transport message', step.s.phase);
      const { keys, plaintext } = openFrame(step.s.keys, frame.counter, frame.noise);
      update(step, { keys });
      return onMessage(step, decodeMessage(plaintext));
    }
    default:
      throw new PairingError(PairingErrorCode.BAD_FRAME, 'meter sent a handshake message 1');
  }
}

export function initiatorStep(state: InitiatorState, event: InitiatorEvent): InitiatorStepResult {
  const step: Step = { s: state, effects: [] };
  if (state.phase === 'done' || state.phase === 'failed') return { state, effects: [] };
  try {
    switch (event.type) {
      case 'frame':
        onFrame(step, event.bytes);
        break;
      case 'poll':
        if (state.phase === 'committing') send(step, { type: MessageType.STATUS_QUERY });
        break;
      case 'abort':
        if (state.phase === 'committing') send(step, { type: MessageType.ABORT });
        else fail(step, new PairingError(PairingErrorCode.SESSION_ENDED, 'pairing aborted by the technician before anything was staged'));
        break;
      case 'link-closed':
        fail(step, new PairingError(PairingErrorCode.SESSION_ENDED, `the radio link closed during phase ${state.phase}`));
        break;
    }
  } catch (error) {
    if (!(error instanceof PairingError)) throw error;
    fail(step, error);
  }
  return { state: step.s, effects: step.effects };
}
