/**
 * Domain errors of the wire contracts (DESIGN §4). Every failure a peer can cause has a
 * class with a stable string `code`; argument misuse by our own code throws TypeError or
 * RangeError instead. A message is one line: what was wrong, where, what to do.
 */

export const ProtocolErrorCode = Object.freeze({
  BAD_CBOR: 'BAD_CBOR',
  BAD_COSE: 'BAD_COSE',
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  BAD_READING: 'BAD_READING',
  BAD_TOPIC: 'BAD_TOPIC',
  BAD_TX: 'BAD_TX',
  TOO_LARGE: 'TOO_LARGE',
} as const);
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/**
 * The base of every domain error family in wattledger (protocol, firmware, gateway, ledger):
 * a stable string `code` and the subclass's name. Each family narrows `C` to its frozen code table.
 */
export class CodedError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return this.constructor.name;
  }
}

export class ProtocolError extends CodedError<ProtocolErrorCode> {}

/** Bytes that are not well-formed CBOR of our profile. */
export class BadCborError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ProtocolErrorCode.BAD_CBOR, message, options);
  }
}

/** Well-formed CBOR that is not a COSE_Sign1 structure we accept (RFC 9052 §4.2). */
export class BadCoseError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ProtocolErrorCode.BAD_COSE, message, options);
  }
}

/** A signature that does not verify under the key it claims. */
export class BadSignatureError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ProtocolErrorCode.BAD_SIGNATURE, message, options);
  }
}

/** A reading payload that breaks the contract of DESIGN §4 (types, ranges, alignment). */
export class BadReadingError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ProtocolErrorCode.BAD_READING, message, options);
  }
}

/** An MQTT topic outside the `wl/v1/meters/{id}/...` map. */
export class BadTopicError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ProtocolErrorCode.BAD_TOPIC, message, options);
  }
}

/** A ledger transaction envelope or body that does not decode or validate. */
export class BadTxError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ProtocolErrorCode.BAD_TX, message, options);
  }
}

/** Input larger than the contract allows; refused before any parsing work. */
export class TooLargeError extends ProtocolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ProtocolErrorCode.TOO_LARGE, message, options);
  }
}
