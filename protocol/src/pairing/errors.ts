/**
 * Errors of field pairing (DESIGN §8). One class, one stable `code` per condition a peer, a
 * radio or a technician can cause; the same codes travel in ERROR frames so the technician
 * sees the meter's reason. Argument misuse by our own code throws TypeError/RangeError.
 */
import { CodedError } from '../errors.js';

export const PairingErrorCode = Object.freeze({
  /** Onboarding payload (QR text, NDEF record) malformed or its checksum does not match. */
  BAD_ONBOARDING: 'BAD_ONBOARDING',
  /** A typed setup code whose check digit does not match: caught before any radio traffic. */
  BAD_SETUP_CODE: 'BAD_SETUP_CODE',
  /** The meter refused the setup-code proof. */
  WRONG_SETUP_CODE: 'WRONG_SETUP_CODE',
  /** The meter's commissioning window is not open. */
  WINDOW_CLOSED: 'WINDOW_CLOSED',
  /** Too many wrong setup codes: the window is closed until it is opened again on the meter. */
  TOO_MANY_ATTEMPTS: 'TOO_MANY_ATTEMPTS',
  /** A wrong setup code was entered recently; retry after the back-off. */
  BACKING_OFF: 'BACKING_OFF',
  /** A Noise handshake message that does not decrypt or parse. */
  BAD_HANDSHAKE: 'BAD_HANDSHAKE',
  /** A transport message that fails authentication (modified, truncated, or out of order). */
  TAMPERED: 'TAMPERED',
  /** A message seen before (handshake ephemeral or transport counter). */
  REPLAYED: 'REPLAYED',
  /** NDEF or BLE framing that is malformed. */
  BAD_FRAME: 'BAD_FRAME',
  /** A frame or message larger than the pairing protocol allows. */
  TOO_LARGE: 'TOO_LARGE',
  /** A pairing message that does not decode, or is not expected at this point. */
  BAD_MESSAGE: 'BAD_MESSAGE',
  /** The meter's identity key is not bound to this channel or does not match its meter id. */
  BAD_BINDING: 'BAD_BINDING',
  /** Provisioning values outside the contract (URL, role, interval...). */
  BAD_PROVISIONING: 'BAD_PROVISIONING',
  /** Provisioning is already staged on the meter. */
  BUSY: 'BUSY',
  /** Staged provisioning was rolled back (fail-safe expired or aborted). */
  ROLLED_BACK: 'ROLLED_BACK',
  /** The session was idle for too long, or the link closed mid-session. */
  SESSION_ENDED: 'SESSION_ENDED',
} as const);
export type PairingErrorCode = (typeof PairingErrorCode)[keyof typeof PairingErrorCode];

const CODES: ReadonlySet<string> = new Set(Object.values(PairingErrorCode));
export function isPairingErrorCode(value: unknown): value is PairingErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

export interface PairingErrorDetails {
  /** Setup-code attempts left in this window, when the meter reports them. */
  attemptsLeft?: number;
  /** Milliseconds until the meter accepts another attempt. */
  retryAfterMs?: number;
}

export class PairingError extends CodedError<PairingErrorCode> {
  readonly details: PairingErrorDetails;
  constructor(code: PairingErrorCode, message: string, options?: { cause?: unknown; details?: PairingErrorDetails }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details ?? {};
  }
  override get name(): string {
    return 'PairingError';
  }
}

/** Shorthand used by every pairing module. */
export function pairingError(code: PairingErrorCode, message: string, options?: { cause?: unknown; details?: PairingErrorDetails }): PairingError {
  return new PairingError(code, message, options);
}

/** One line for a technician: what went wrong and what to do. */
export const PAIRING_ADVICE: Readonly<Record<PairingErrorCode, string>> = Object.freeze({
  BAD_ONBOARDING: 'the onboarding code is damaged or mis-scanned: scan the QR/NFC tag again',
  BAD_SETUP_CODE: 'the setup code has a typo (check digit mismatch): type it again from the label',
  WRONG_SETUP_CODE: 'the meter refused the setup code: check the label and try again',
  WINDOW_CLOSED: 'the meter is not in pairing mode: press its pairing button (window lasts up to 15 min)',
  TOO_MANY_ATTEMPTS: 'too many wrong setup codes: press the pairing button on the meter to start again',
  BACKING_OFF: 'a wrong setup code was entered: wait before retrying',
  BAD_HANDSHAKE: 'secure channel failed: this is not the meter of the scanned code, or the radio garbled it',
  TAMPERED: 'a message was modified in transit: retry; if it persists, someone is interfering',
  REPLAYED: 'a message was replayed: retry; if it persists, someone is interfering',
  BAD_FRAME: 'the radio link delivered malformed data: move closer and retry',
  TOO_LARGE: 'a message exceeded the pairing size limit',
  BAD_MESSAGE: 'the meter and the tool do not understand each other: update the tool or the firmware',
  BAD_BINDING: 'the meter could not prove its identity key: do not use this meter, report it',
  BAD_PROVISIONING: 'the provisioning values were refused: check broker URL, role and interval',
  BUSY: 'the meter already has provisioning waiting for its first reading: wait, or abort it',
  ROLLED_BACK: 'the meter returned to its previous configuration (no acknowledged reading in time): check the gateway and retry',
  SESSION_ENDED: 'the pairing session ended: reconnect and retry',
});
