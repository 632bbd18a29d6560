/**
 * Errors of the pairing registrar (DESIGN §8): one stable `code` per refusal a technician's
 * request can meet, with the HTTP status the registrar answers and one line of advice the
 * technician tool prints. A refused request changes nothing: no credential, no ledger entry.
 */
import { CodedError } from '@wattledger/protocol';

export const RegistrarErrorCode = Object.freeze({
  /** The request or its technician credential is malformed. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The credential is not signed by this gateway's intermediary, or the request not by the credential's key. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** The credential is outside its validity period. */
  CREDENTIAL_EXPIRED: 'CREDENTIAL_EXPIRED',
  /** The request's time is too far from the registrar's, or its nonce was seen before. */
  STALE_REQUEST: 'STALE_REQUEST',
  /** The meter's identity key is not bound to the pairing session. */
  BAD_BINDING: 'BAD_BINDING',
  /** A pairing result for a meter that was not enrolled (or whose enrollment expired). */
  NOT_ENROLLED: 'NOT_ENROLLED',
  /** The pairing result does not match what was enrolled (other session, credential or values). */
  MISMATCH: 'MISMATCH',
  /** The meter is registered on the ledger under another key or intermediary. */
  METER_TAKEN: 'METER_TAKEN',
  /** The ledger refused the register-meter transaction. */
  LEDGER_REFUSED: 'LEDGER_REFUSED',
  /** The ledger could not be reached. */
  LEDGER_UNAVAILABLE: 'LEDGER_UNAVAILABLE',
} as const);
export type RegistrarErrorCode = (typeof RegistrarErrorCode)[keyof typeof RegistrarErrorCode];

export const REGISTRAR_HTTP_STATUS: Readonly<Record<RegistrarErrorCode, number>> = Object.freeze({
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  CREDENTIAL_EXPIRED: 401,
  STALE_REQUEST: 401,
  BAD_BINDING: 422,
  NOT_ENROLLED: 409,
  MISMATCH: 409,
  METER_TAKEN: 409,
  LEDGER_REFUSED: 422,
  LEDGER_UNAVAILABLE: 503,
});

/** One line for a technician: what to do. */
export const REGISTRAR_ADVICE: Readonly<Record<RegistrarErrorCode, string>> = Object.freeze({
  BAD_REQUEST: 'the tool and the gateway do not understand each other: update the tool',
  UNAUTHORIZED: "the technician credential is not this intermediary's: ask the intermediary for a credential (wattledger-pair credential)",
  CREDENTIAL_EXPIRED: 'the technician credential has expired: ask the intermediary for a new one',
  STALE_REQUEST: "the tool's clock is off or a request was replayed: set the phone's time automatically and retry",
  BAD_BINDING: 'the meter could not prove its identity key: do not use this meter, report it',
  NOT_ENROLLED: 'the gateway has no enrollment for this meter (expired?): pair again',
  MISMATCH: 'the meter staged other values than the gateway issued: pair again',
  METER_TAKEN: 'this meter is registered to another intermediary or key: it must be released there first',
  LEDGER_REFUSED: 'the ledger refused to register the meter: check owner and rated power with the intermediary',
  LEDGER_UNAVAILABLE: 'the ledger is unreachable from the gateway: retry later',
});

export class RegistrarError extends CodedError<RegistrarErrorCode> {
  override get name(): string {
    return 'RegistrarError';
  }
  get status(): number {
    return REGISTRAR_HTTP_STATUS[this.code];
  }
}

export function isRegistrarErrorCode(value: unknown): value is RegistrarErrorCode {
  return typeof value === 'string' && Object.hasOwn(RegistrarErrorCode, value);
}
