/**
 * One pairing as the technician runs it (DESIGN §8): protocol's pure initiator driven over a
 * link, with the registrar in the loop.
 *
 *   handshake (Noise NK) -> setup-code proof -> meter IDENTITY (binding verified)
 *   -> enroll at the registrar (credential issued for this proven key) -> PROVISION
 *   -> STAGED (receipt verified) -> register at the registrar (pairing result checked,
 *   register-meter on the ledger) -> poll STATUS until the meter commits (its first reading
 *   acknowledged by the gateway) or rolls back.
 *
 * The initiator's provisioning is only known after enrollment, so the IDENTITY frame is
 * first stepped as a dry run (the initiator is pure: nothing is sent), then again with the
 * enrolled values. If registration fails, the tool sends ABORT: the meter rolls back at once.
 */
import { randomBytes } from 'node:crypto';
import type { Verifier } from '@wattledger/protocol';
import {
  bleFraming, initiatorStep, ndefFraming, pairingResultOf, PairingError, PairingErrorCode, ProvisioningStatus, startInitiator,
  type InitiatorEffect, type InitiatorEvent, type InitiatorState, type MeterRole, type OnboardingPayload, type PairingResult, type ProvisioningConfig,
} from '@wattledger/protocol/pairing';
import { EventQueue, type PairingLink } from './pairing-link.js';

export interface MeterIdentity {
  readonly meterId: string;
  readonly staticKey: Uint8Array;
  readonly meterPublicKey: Uint8Array;
  readonly handshakeHash: Uint8Array;
  readonly binding: Uint8Array;
}

export type PairingProgress =
  | { readonly type: 'identity'; readonly meterId: string; readonly meterPublicKey: Uint8Array }
  | { readonly type: 'provisioned'; readonly provisioning: ProvisioningConfig }
  | { readonly type: 'staged'; readonly failSafeMs: number }
  | { readonly type: 'registered' }
  | { readonly type: 'waiting'; readonly failSafeLeftMs?: number }
  | { readonly type: 'framing-error'; readonly reason: string };

export interface RunPairingOptions {
  readonly onboarding: OnboardingPayload;
  /** A typed setup code (already checked with parseSetupCode); default: the payload's. */
  readonly setupCode?: string;
  readonly link: PairingLink;
  readonly verifier: Verifier;
  readonly role: MeterRole;
  /** Registrar enrollment: returns the values to provision. */
  enroll(identity: MeterIdentity): Promise<ProvisioningConfig>;
  /** Registrar registration of the staged pairing. */
  register(result: PairingResult): Promise<unknown>;
  /** Called when the pairing fails after a successful enrollment and before registration (revoke the issued credential). */
  cancel?(meterId: string): Promise<unknown>;
  readonly onProgress?: (progress: PairingProgress) => void;
  /** STATUS poll period while waiting for the commit (default 5 s). */
  readonly pollIntervalMs?: number;
  /** How long the meter may stay silent during the handshake (default 20 s). */
  readonly answerTimeoutMs?: number;
  /** Waiting ends this long after the meter's fail-safe should have fired (default 60 s). */
  readonly graceMs?: number;
  /** NDEF: split frames into chunked records of this size (small reader buffers). */
  readonly ndefChunkBytes?: number;
  readonly random?: (length: number) => Uint8Array;
}

/** The meter neither committed nor rolled back before its fail-safe should have ended. */
export class NoAckError extends Error {
  readonly code = 'NO_ACK';
  override get name(): string {
    return 'NoAckError';
  }
}

type LinkEvent = { readonly type: 'frame'; readonly bytes: Uint8Array } | { readonly type: 'closed'; readonly reason: string };

/** Placeholder values until the registrar answers; never sent (the IDENTITY step is redone with the real ones). */
function placeholder(role: MeterRole): ProvisioningConfig {
  return { intermediaryId: 'pending', brokerUrl: 'mqtt://pending.invalid', mqttUsername: 'pending', mqttPassword: 'pending', role, intervalLength: 1800 };
}

export async function runPairing(options: RunPairingOptions): Promise<PairingResult> {
  const progress = { enrolled: false, registered: false };
  try {
    return await pair(options, progress);
  } catch (error) {
    if (progress.enrolled && !progress.registered) await options.cancel?.(options.onboarding.meterId).catch(() => undefined);
    throw error;
  }
}

async function pair(options: RunPairingOptions, progress: { enrolled: boolean; registered: boolean }): Promise<PairingResult> {
  const { link, onProgress } = options;
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const framing = link.transport === 'nfc' ? ndefFraming(options.ndefChunkBytes === undefined ? {} : { maxChunkPayload: options.ndefChunkBytes }) : bleFraming(link.attMtu);
  const decoder = framing.decoder();
  const queue = new EventQueue<LinkEvent>();
  link.setReceiver({
    onUnit(unit) {
      const { frames, errors } = decoder.push(unit);
      for (const error of errors) onProgress?.({ type: 'framing-error', reason: error.reason });
      for (const bytes of frames) queue.push({ type: 'frame', bytes });
    },
    onClose(reason) {
      queue.push({ type: 'closed', reason });
    },
  });

  const start = startInitiator({ onboarding: options.onboarding, ...(options.setupCode === undefined ? {} : { setupCode: options.setupCode }), provisioning: placeholder(options.role), verifier: options.verifier }, random(32));
  let state: InitiatorState = start.state;
  let result: PairingResult | undefined;
  let waitUntil: number | undefined;
  let registrarFailure: unknown;

  const send = async (effects: InitiatorEffect[]): Promise<void> => {
    for (const effect of effects) if (effect.type === 'send') for (const unit of framing.encode(effect.bytes)) await link.send(unit);
  };
  const step = (event: InitiatorEvent): InitiatorEffect[] => {
    const next = initiatorStep(state, event);
    state = next.state;
    return next.effects;
  };

  await send(start.effects);
  for (;;) {
    const committing = state.phase === 'committing';
    const item = await queue.next(committing ? (options.pollIntervalMs ?? 5_000) : (options.answerTimeoutMs ?? 20_000));
    let effects: InitiatorEffect[];
    if ('timeout' in item) {
      if (!committing) throw new PairingError(PairingErrorCode.SESSION_ENDED, `the meter did not answer within ${(options.answerTimeoutMs ?? 20_000) / 1000} s (phase ${state.phase})`);
      if (registrarFailure !== undefined) throw registrarFailure;
      if (waitUntil !== undefined && Date.now() > waitUntil) throw new NoAckError('no ack from the gateway: the meter reported neither commit nor rollback before its fail-safe ended');
      effects = step({ type: 'poll' });
    } else if (item.value.type === 'closed') {
      if (committing && registrarFailure === undefined) {
        throw new PairingError(PairingErrorCode.SESSION_ENDED, `the link closed while waiting for the commit (${item.value.reason}): the meter commits or rolls back by itself when its first reading is acknowledged or its fail-safe ends`);
      }
      effects = step({ type: 'link-closed' });
    } else if (state.phase === 'proving') {
      const dry = initiatorStep(state, { type: 'frame', bytes: item.value.bytes });
      const identity = dry.effects.find((e) => e.type === 'identity');
      if (identity === undefined || identity.type !== 'identity') {
        state = dry.state;
        effects = dry.effects;
      } else {
        onProgress?.({ type: 'identity', meterId: identity.meterId, meterPublicKey: identity.meterPublicKey });
        const provisioning = await options.enroll({
          meterId: identity.meterId, staticKey: options.onboarding.staticKey, meterPublicKey: identity.meterPublicKey,
          handshakeHash: dry.state.keys!.handshakeHash, binding: dry.state.binding!,
        });
        progress.enrolled = true;
        onProgress?.({ type: 'provisioned', provisioning });
        state = { ...state, config: { ...state.config, provisioning } };
        effects = step({ type: 'frame', bytes: item.value.bytes }).filter((e) => e.type !== 'identity');
      }
    } else {
      effects = step({ type: 'frame', bytes: item.value.bytes });
    }
    await send(effects);
    for (const effect of effects) {
      switch (effect.type) {
        case 'staged': {
          onProgress?.({ type: 'staged', failSafeMs: effect.failSafeMs });
          waitUntil = Date.now() + effect.failSafeMs + (options.graceMs ?? 60_000);
          result = pairingResultOf(state);
          try {
            await options.register(result);
            progress.registered = true;
            onProgress?.({ type: 'registered' });
          } catch (error) {
            registrarFailure = error;
            await send(step({ type: 'abort' }));
          }
          break;
        }
        case 'status':
          if (effect.status === ProvisioningStatus.STAGED) onProgress?.({ type: 'waiting', ...(effect.failSafeLeftMs === undefined ? {} : { failSafeLeftMs: effect.failSafeLeftMs }) });
          break;
        case 'done':
          if (registrarFailure !== undefined) throw registrarFailure;
          return effect.result;
        case 'failed':
          throw registrarFailure ?? effect.error;
        default:
          break;
      }
    }
  }
}
