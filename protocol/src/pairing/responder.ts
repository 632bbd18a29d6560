/**
 * The meter side of pairing as a pure state machine: `responderStep(state, event) -> { state,
 * effects }` (DESIGN §8). No timers, no I/O, no randomness of its own: time arrives as `at`
 * (monotonic ms) on every event, randomness as 32 bytes on each frame event, and the shell
 * (firmware) performs the effects: send a frame, stage / commit / roll back provisioning.
 *
 * Rules:
 *  - a commissioning window (button or first boot) of at most 15 min; handshakes, setup-code
 *    proofs and provisioning are refused with WINDOW_CLOSED outside it;
 *  - each wrong setup code costs an attempt and a back-off; after `maxFailedAttempts` the
 *    window closes (TOO_MANY_ATTEMPTS) until it is opened again on the meter;
 *  - a handshake whose initiator ephemeral was seen before is REPLAYED; a transport message
 *    with a used counter is REPLAYED, one that fails authentication TAMPERED (session dropped);
 *  - provisioning is staged only once the whole request validated; it is committed when the
 *    gateway acknowledges the first reading sent with it, and rolled back when the fail-safe
 *    timer ends first (or the technician aborts). Nothing is ever half-applied.
 */
import { equalBytes, toHex } from '../bytes.js';
import type { MeterId } from '../reading.js';
import { meterIdFromPublicKey } from '../reading.js';
import type { Signer } from '../signer.js';
import { signBinding, signReceipt } from './binding.js';
import { type ChannelKeys, channelKeys, openFrame, pairingPrologue, sealFrame } from './channel.js';
import { PairingError, PairingErrorCode, type PairingErrorDetails } from './errors.js';
import { decodeFrame, encodeFrame, FrameKind } from './frame.js';
import { checkHandshakePayload, decodeMessage, encodeHandshakePayload, encodeMessage, MessageType, type PairingMessage, ProvisioningStatus } from './messages.js';
import { DH_BYTES, HandshakeState, type KeyPair, NK, x25519KeyPair } from './noise/handshake-state.js';
import { type ProvisioningConfig, provisioningDigest } from './provisioning.js';
import { setupCodeProof } from './setup-code.js';

export const MAX_WINDOW_MS = 15 * 60_000;

export interface ResponderPolicy {
  /** Commissioning window when `open-window` names no duration; capped at 15 min. */
  readonly windowMs: number;
  readonly maxFailedAttempts: number;
  /** Back-off after the n-th consecutive failure: 0 for the first, then base * 2^(n-2). */
  readonly backoffBaseMs: number;
  /** Time the staged provisioning has to get its first reading acknowledged. */
  readonly failSafeMs: number;
  /** A session without traffic for this long is dropped (not while provisioning is staged). */
  readonly sessionIdleMs: number;
}

export const DEFAULT_RESPONDER_POLICY: ResponderPolicy = Object.freeze({
  windowMs: MAX_WINDOW_MS,
  maxFailedAttempts: 5,
  backoffBaseMs: 5_000,
  failSafeMs: 10 * 60_000,
  sessionIdleMs: 60_000,
});

export interface ResponderConfig {
  /** Static X25519 key pair (its public key is on the label). */
  readonly staticKey: KeyPair;
  /** setupCodeKey(code): the meter keeps this, not the code. */
  readonly setupKey: Uint8Array;
  /** Ed25519 identity (the reading key). */
  readonly signer: Signer;
  readonly policy: ResponderPolicy;
  readonly meterId: MeterId;
}

interface Session {
  readonly keys: ChannelKeys;
  readonly proven: boolean;
  readonly lastActivity: number;
}

interface Staged {
  readonly provisioning: ProvisioningConfig;
  readonly deadline: number;
}

export interface ResponderState {
  readonly config: ResponderConfig;
  /** Time of the last event seen (events never move time backwards). */
  readonly now: number;
  readonly windowClosesAt: number | null;
  readonly failedAttempts: number;
  readonly lockedUntil: number;
  /** Hex of recent initiator ephemerals (bounded). */
  readonly seenEphemerals: ReadonlyArray<string>;
  readonly session: Session | null;
  readonly staged: Staged | null;
  readonly lastOutcome: { readonly status: typeof ProvisioningStatus.COMMITTED | typeof ProvisioningStatus.ROLLED_BACK; readonly reason?: PairingErrorCode } | null;
}

export type ResponderEvent =
  | { readonly type: 'open-window'; readonly at: number; readonly durationMs?: number }
  | { readonly type: 'close-window'; readonly at: number }
  | { readonly type: 'tick'; readonly at: number }
  /** A complete pairing frame from the radio; `random` = 32 fresh bytes for a Noise ephemeral. */
  | { readonly type: 'frame'; readonly at: number; readonly bytes: Uint8Array; readonly random: Uint8Array }
  | { readonly type: 'link-closed'; readonly at: number }
  /** The gateway acknowledged a reading published with the staged provisioning. */
  | { readonly type: 'reading-acked'; readonly at: number };

export type ResponderEffect =
  | { readonly type: 'send'; readonly bytes: Uint8Array }
  /** Persist as staged (keep the previous configuration), connect with it, publish a reading. */
  | { readonly type: 'stage'; readonly provisioning: ProvisioningConfig }
  /** Make the staged provisioning the configuration. */
  | { readonly type: 'commit'; readonly provisioning: ProvisioningConfig }
  /** Discard the staged provisioning and return to the previous configuration. */
  | { readonly type: 'rollback'; readonly reason: PairingErrorCode }
  | { readonly type: 'window'; readonly open: boolean; readonly closesAt?: number }
  /** Something was refused (for counters and logs). */
  | { readonly type: 'refused'; readonly code: PairingErrorCode; readonly reason: string }
  | { readonly type: 'close-link' };

export interface ResponderStepResult {
  readonly state: ResponderState;
  readonly effects: ResponderEffect[];
}

const MAX_SEEN_EPHEMERALS = 32;

export function createResponder(options: { staticSecret: Uint8Array; setupKey: Uint8Array; signer: Signer; policy?: Partial<ResponderPolicy> }): ResponderState {
  const policy = Object.freeze({ ...DEFAULT_RESPONDER_POLICY, ...options.policy });
  if (policy.windowMs > MAX_WINDOW_MS || policy.windowMs <= 0) throw new RangeError(`commissioning window must be 1..${MAX_WINDOW_MS} ms`);
  if (!Number.isInteger(policy.maxFailedAttempts) || policy.maxFailedAttempts < 1) throw new RangeError('maxFailedAttempts must be a positive integer');
  if (!(options.setupKey instanceof Uint8Array) || options.setupKey.length !== 32) throw new TypeError('setupKey must be the 32-byte setupCodeKey(code)');
  const config: ResponderConfig = Object.freeze({
    staticKey: x25519KeyPair(options.staticSecret),
    setupKey: options.setupKey.slice(),
    signer: options.signer,
    policy,
    meterId: meterIdFromPublicKey(options.signer.publicKey),
  });
  return Object.freeze({ config, now: 0, windowClosesAt: null, failedAttempts: 0, lockedUntil: 0, seenEphemerals: [], session: null, staged: null, lastOutcome: null });
}

export function backoffMs(policy: ResponderPolicy, failures: number): number {
  return failures < 2 ? 0 : policy.backoffBaseMs * 2 ** (failures - 2);
}

/** Mutable scratch for one step; the returned state is frozen. */
interface Step {
  s: ResponderState;
  effects: ResponderEffect[];
}

function update(step: Step, patch: Partial<ResponderState>): void {
  step.s = Object.freeze({ ...step.s, ...patch });
}

function refuse(step: Step, code: PairingErrorCode, reason: string, details: PairingErrorDetails = {}): void {
  step.effects.push({ type: 'refused', code, reason }, { type: 'send', bytes: encodeFrame({ kind: FrameKind.REFUSAL, code, details }) });
}

/** Sends a message in the session (if any); returns false when there is none. */
function sendMessage(step: Step, message: PairingMessage): boolean {
  const session = step.s.session;
  if (session === null) return false;
  const { keys, frame } = sealFrame(session.keys, encodeMessage(message));
  update(step, { session: { ...session, keys } });
  step.effects.push({ type: 'send', bytes: frame });
  return true;
}

function sendError(step: Step, code: PairingErrorCode, reason: string, details: PairingErrorDetails = {}): void {
  step.effects.push({ type: 'refused', code, reason });
  sendMessage(step, { type: MessageType.ERROR, code, details });
}

function endSession(step: Step, closeLink: boolean): void {
  if (step.s.session === null) return;
  update(step, { session: null });
  if (closeLink) step.effects.push({ type: 'close-link' });
}

function rollback(step: Step, reason: PairingErrorCode): void {
  update(step, { staged: null, lastOutcome: { status: ProvisioningStatus.ROLLED_BACK, reason } });
  step.effects.push({ type: 'rollback', reason });
  sendMessage(step, { type: MessageType.STATUS, status: ProvisioningStatus.ROLLED_BACK, reason });
}

/** Applies everything the passage of time decides: window end, fail-safe, idle sessions. */
function advanceTime(step: Step, at: number): void {
  const now = Math.max(step.s.now, at);
  update(step, { now });
  const { windowClosesAt, staged, session, config } = step.s;
  if (staged !== null && now >= staged.deadline) rollback(step, PairingErrorCode.ROLLED_BACK);
  if (windowClosesAt !== null && now >= windowClosesAt) {
    update(step, { windowClosesAt: null });
    step.effects.push({ type: 'window', open: false });
    if (step.s.staged === null) endSession(step, true);
  }
  // While provisioning is staged the session stays up, so the commit or rollback reaches the technician.
  const idle = step.s.session !== null && now - step.s.session.lastActivity >= config.policy.sessionIdleMs;
  if (session !== null && idle && step.s.staged === null) endSession(step, true);
}

function windowRefusal(s: ResponderState): { code: PairingErrorCode; reason: string; details: PairingErrorDetails } | null {
  if (s.windowClosesAt === null) {
    return s.failedAttempts >= s.config.policy.maxFailedAttempts
      ? { code: PairingErrorCode.TOO_MANY_ATTEMPTS, reason: 'too many wrong setup codes; window closed', details: { attemptsLeft: 0 } }
      : { code: PairingErrorCode.WINDOW_CLOSED, reason: 'commissioning window is closed', details: {} };
  }
  if (s.now < s.lockedUntil) {
    return { code: PairingErrorCode.BACKING_OFF, reason: 'backing off after a wrong setup code', details: { retryAfterMs: s.lockedUntil - s.now, attemptsLeft: s.config.policy.maxFailedAttempts - s.failedAttempts } };
  }
  return null;
}

function onHandshake(step: Step, noise: Uint8Array, random: Uint8Array): void {
  const blocked = windowRefusal(step.s);
  if (blocked) return refuse(step, blocked.code, blocked.reason, blocked.details);
  if (noise.length < DH_BYTES) return refuse(step, PairingErrorCode.BAD_HANDSHAKE, 'handshake message 1 is shorter than an ephemeral key');
  const ephemeral = toHex(noise.subarray(0, DH_BYTES));
  if (step.s.seenEphemerals.includes(ephemeral)) return refuse(step, PairingErrorCode.REPLAYED, 'handshake message 1 replayed (ephemeral seen before)');
  const { config } = step.s;
  if (!(random instanceof Uint8Array) || random.length !== DH_BYTES) throw new TypeError('frame event needs 32 random bytes for the Noise ephemeral');
  const hs = new HandshakeState({ pattern: NK, initiator: false, prologue: pairingPrologue(config.meterId), s: config.staticKey, e: x25519KeyPair(random) });
  let reply: Uint8Array;
  try {
    checkHandshakePayload(hs.readMessage(noise));
    reply = hs.writeMessage(encodeHandshakePayload());
  } catch (error) {
    if (!(error instanceof PairingError)) throw error;
    return refuse(step, error.code, error.message);
  }
  const seenEphemerals = [...step.s.seenEphemerals, ephemeral].slice(-MAX_SEEN_EPHEMERALS);
  update(step, { seenEphemerals, session: { keys: channelKeys(hs.result, false), proven: false, lastActivity: step.s.now } });
  step.effects.push({ type: 'send', bytes: encodeFrame({ kind: FrameKind.HANDSHAKE_2, noise: reply }) });
}

function onProve(step: Step, proof: Uint8Array): void {
  const session = step.s.session!;
  const { config } = step.s;
  if (session.proven) {
    sendError(step, PairingErrorCode.BAD_MESSAGE, 'setup code already proven in this session');
    return endSession(step, true);
  }
  const blocked = windowRefusal(step.s);
  if (blocked) {
    sendError(step, blocked.code, blocked.reason, blocked.details);
    return endSession(step, true);
  }
  if (!equalBytes(proof, setupCodeProof(config.setupKey, session.keys.handshakeHash))) {
    const failedAttempts = step.s.failedAttempts + 1;
    const attemptsLeft = Math.max(0, config.policy.maxFailedAttempts - failedAttempts);
    const retryAfterMs = backoffMs(config.policy, failedAttempts);
    update(step, { failedAttempts, lockedUntil: step.s.now + retryAfterMs });
    sendError(step, PairingErrorCode.WRONG_SETUP_CODE, `wrong setup code (${attemptsLeft} attempts left)`, { attemptsLeft, retryAfterMs });
    endSession(step, true);
    if (attemptsLeft === 0) {
      update(step, { windowClosesAt: null });
      step.effects.push({ type: 'window', open: false });
    }
    return;
  }
  update(step, { failedAttempts: 0, lockedUntil: 0, session: { ...session, proven: true } });
  const binding = signBinding(config.signer, session.keys.handshakeHash, config.staticKey.publicKey);
  sendMessage(step, { type: MessageType.IDENTITY, meterPublicKey: config.signer.publicKey, binding });
}

function statusMessage(s: ResponderState): PairingMessage {
  if (s.staged !== null) return { type: MessageType.STATUS, status: ProvisioningStatus.STAGED, failSafeLeftMs: Math.max(0, s.staged.deadline - s.now) };
  if (s.lastOutcome !== null) return { type: MessageType.STATUS, ...s.lastOutcome };
  return { type: MessageType.STATUS, status: ProvisioningStatus.NONE };
}

function onMessage(step: Step, message: PairingMessage): void {
  if (message.type === MessageType.PROVE) return onProve(step, message.proof);
  if (!step.s.session!.proven) {
    sendError(step, PairingErrorCode.BAD_MESSAGE, 'prove the setup code first');
    return endSession(step, true);
  }
  const { config } = step.s;
  switch (message.type) {
    case MessageType.PROVISION: {
      if (step.s.windowClosesAt === null) return sendError(step, PairingErrorCode.WINDOW_CLOSED, 'commissioning window closed before provisioning');
      if (step.s.staged !== null) return sendError(step, PairingErrorCode.BUSY, 'provisioning already staged, waiting for the first acknowledged reading');
      const deadline = step.s.now + config.policy.failSafeMs;
      update(step, { staged: { provisioning: message.provisioning, deadline }, lastOutcome: null });
      step.effects.push({ type: 'stage', provisioning: message.provisioning });
      const receipt = signReceipt(config.signer, step.s.session!.keys.handshakeHash, provisioningDigest(message.provisioning));
      sendMessage(step, { type: MessageType.STAGED, receipt, failSafeMs: config.policy.failSafeMs });
      return;
    }
    case MessageType.STATUS_QUERY:
      sendMessage(step, statusMessage(step.s));
      return;
    case MessageType.ABORT:
      if (step.s.staged !== null) rollback(step, PairingErrorCode.ROLLED_BACK);
      else sendMessage(step, statusMessage(step.s));
      return;
    default:
      sendError(step, PairingErrorCode.BAD_MESSAGE, `message type ${message.type} is not sent to a meter`);
      endSession(step, true);
  }
}

function onTransport(step: Step, counter: number, noise: Uint8Array): void {
  const session = step.s.session;
  if (session === null) return refuse(step, PairingErrorCode.SESSION_ENDED, 'no pairing session: start with a handshake');
  let opened: { keys: ChannelKeys; plaintext: Uint8Array };
  try {
    opened = openFrame(session.keys, counter, noise);
  } catch (error) {
    if (!(error instanceof PairingError)) throw error;
    refuse(step, error.code, error.message);
    return endSession(step, true);
  }
  update(step, { session: { ...session, keys: opened.keys, lastActivity: step.s.now } });
  let message: PairingMessage;
  try {
    message = decodeMessage(opened.plaintext);
  } catch (error) {
    if (!(error instanceof PairingError)) throw error;
    sendError(step, error.code, error.message);
    // Provisioning values can be corrected in the same session; anything else ends it.
    if (error.code !== PairingErrorCode.BAD_PROVISIONING) endSession(step, true);
    return;
  }
  onMessage(step, message);
}

export function responderStep(state: ResponderState, event: ResponderEvent): ResponderStepResult {
  if (!Number.isFinite(event.at)) throw new TypeError('responder event needs a finite `at` (ms)');
  const step: Step = { s: state, effects: [] };
  advanceTime(step, event.at);
  const { policy } = state.config;
  switch (event.type) {
    case 'open-window': {
      const duration = Math.min(event.durationMs ?? policy.windowMs, MAX_WINDOW_MS);
      if (!(duration > 0)) throw new RangeError('window duration must be positive');
      const closesAt = step.s.now + duration;
      update(step, { windowClosesAt: closesAt, failedAttempts: 0, lockedUntil: 0 });
      step.effects.push({ type: 'window', open: true, closesAt });
      break;
    }
    case 'close-window':
      if (step.s.windowClosesAt !== null) {
        update(step, { windowClosesAt: null });
        step.effects.push({ type: 'window', open: false });
        if (step.s.staged === null) endSession(step, true);
      }
      break;
    case 'tick':
      break;
    case 'link-closed':
      endSession(step, false);
      break;
    case 'reading-acked': {
      const staged = step.s.staged;
      if (staged === null) break;
      update(step, { staged: null, lastOutcome: { status: ProvisioningStatus.COMMITTED } });
      step.effects.push({ type: 'commit', provisioning: staged.provisioning });
      sendMessage(step, { type: MessageType.STATUS, status: ProvisioningStatus.COMMITTED });
      if (step.s.windowClosesAt !== null) {
        update(step, { windowClosesAt: null });
        step.effects.push({ type: 'window', open: false });
      }
      break;
    }
    case 'frame': {
      let frame;
      try {
        frame = decodeFrame(event.bytes);
      } catch (error) {
        if (!(error instanceof PairingError)) throw error;
        refuse(step, error.code, error.message);
        endSession(step, true);
        break;
      }
      if (frame.kind === FrameKind.HANDSHAKE_1) onHandshake(step, frame.noise, event.random);
      else if (frame.kind === FrameKind.TRANSPORT) onTransport(step, frame.counter, frame.noise);
      else {
        refuse(step, PairingErrorCode.BAD_FRAME, `frame kind 0x${frame.kind.toString(16)} is not sent to a meter`);
        endSession(step, true);
      }
      break;
    }
  }
  return { state: step.s, effects: step.effects };
}
