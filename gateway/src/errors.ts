/**
 * Errors of the gateway shell. Failures a meter can cause never throw out of the pipeline:
 * they become rejection reasons (pipeline/rejection.ts). These classes are for the operator:
 * a bad configuration, a ledger that answers nonsense, a journal that cannot be opened.
 * Each has a stable `code`; the message is one line saying what, where, and what to do.
 */
import { CodedError } from '@wattledger/protocol';

export const GatewayErrorCode = Object.freeze({
  BAD_CONFIG: 'BAD_CONFIG',
  LEDGER_UNAVAILABLE: 'LEDGER_UNAVAILABLE',
  LEDGER_PROTOCOL: 'LEDGER_PROTOCOL',
  JOURNAL: 'JOURNAL',
  VERIFY_POOL: 'VERIFY_POOL',
  CLOSED: 'CLOSED',
  READING_REFUSED: 'READING_REFUSED',
} as const);
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

export class GatewayError extends CodedError<GatewayErrorCode> {}

/** A configuration value that is missing, of the wrong type or out of range; `field` is its dotted path. */
export class ConfigError extends GatewayError {
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCode.BAD_CONFIG, `config ${field}: ${message}`, options);
    this.field = field;
  }
}

/** The ledger could not be reached (connection refused, timeout, 5xx). Retried with backoff. */
export class LedgerUnavailableError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCode.LEDGER_UNAVAILABLE, message, options);
  }
}

/** The ledger answered, but not in the shape of its API (4xx on a well-formed request, bad JSON). */
export class LedgerProtocolError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCode.LEDGER_PROTOCOL, message, options);
  }
}

/** The journal could not be opened or written. Nothing is acknowledged past such a failure. */
export class JournalError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCode.JOURNAL, message, options);
  }
}

/** A verification worker died or could not start. */
export class VerifyPoolError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(GatewayErrorCode.VERIFY_POOL, message, options);
  }
}

/** An operation on a component that has been closed. */
export class ClosedError extends GatewayError {
  constructor(what: string) {
    super(GatewayErrorCode.CLOSED, `${what} is closed`);
  }
}

/** A reading message handed over in process (DLMS bridge) was refused; `reason` is the pipeline's RejectReason. */
export class ReadingRefusedError extends GatewayError {
  readonly reason: string;
  constructor(reason: string, meterId: string) {
    super(GatewayErrorCode.READING_REFUSED, `readings of meter ${meterId} refused: ${reason}`);
    this.reason = reason;
  }
}
