/**
 * Pairing messages carried inside the Noise channel (TRANSPORT frames), and the handshake
 * payloads. Each is a CBOR map of our profile with key 0 = message type:
 *
 *   1 PROVE         tech -> meter  {1: setup-code proof (32)}
 *   2 IDENTITY      meter -> tech  {1: Ed25519 public key (32), 2: binding (COSE_Sign1)}
 *   3 PROVISION     tech -> meter  {1: provisioning map (provisioning.ts)}
 *   4 STAGED        meter -> tech  {1: receipt (COSE_Sign1), 2: fail-safe ms}
 *   5 STATUS_QUERY  tech -> meter  {}
 *   6 STATUS        meter -> tech  {1: ProvisioningStatus, 2: reason code, 3: fail-safe ms left}
 *   7 ABORT         tech -> meter  {}  (roll back staged provisioning now)
 *  15 ERROR         meter -> tech  {1: code, 2: attempts left, 3: retry after ms}
 *
 * Handshake payloads: {1: pairing version} both ways.
 */
import { asIntMap, decodeCbor, encodeCbor, intMap } from '../cbor.js';
import { isPairingErrorCode, PairingError, PairingErrorCode, type PairingErrorDetails } from './errors.js';
import { readDetails } from './frame.js';
import { type ProvisioningConfig, provisioningFromCbor, provisioningToCbor } from './provisioning.js';

export const PAIRING_VERSION = 1;

export const MessageType = Object.freeze({
  PROVE: 1,
  IDENTITY: 2,
  PROVISION: 3,
  STAGED: 4,
  STATUS_QUERY: 5,
  STATUS: 6,
  ABORT: 7,
  ERROR: 15,
} as const);
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const ProvisioningStatus = Object.freeze({ NONE: 0, STAGED: 1, COMMITTED: 2, ROLLED_BACK: 3 } as const);
export type ProvisioningStatus = (typeof ProvisioningStatus)[keyof typeof ProvisioningStatus];

export type PairingMessage =
  | { readonly type: typeof MessageType.PROVE; readonly proof: Uint8Array }
  | { readonly type: typeof MessageType.IDENTITY; readonly meterPublicKey: Uint8Array; readonly binding: Uint8Array }
  | { readonly type: typeof MessageType.PROVISION; readonly provisioning: ProvisioningConfig }
  | { readonly type: typeof MessageType.STAGED; readonly receipt: Uint8Array; readonly failSafeMs: number }
  | { readonly type: typeof MessageType.STATUS_QUERY }
  | { readonly type: typeof MessageType.STATUS; readonly status: ProvisioningStatus; readonly reason?: PairingErrorCode; readonly failSafeLeftMs?: number }
  | { readonly type: typeof MessageType.ABORT }
  | { readonly type: typeof MessageType.ERROR; readonly code: PairingErrorCode; readonly details: PairingErrorDetails };

const MAX_MESSAGE_BYTES = 2048;

export function encodeMessage(message: PairingMessage): Uint8Array {
  switch (message.type) {
    case MessageType.PROVE:
      return encodeCbor(intMap([[0, message.type], [1, message.proof]]));
    case MessageType.IDENTITY:
      return encodeCbor(intMap([[0, message.type], [1, message.meterPublicKey], [2, message.binding]]));
    case MessageType.PROVISION:
      return encodeCbor(intMap([[0, message.type], [1, provisioningToCbor(message.provisioning)]]));
    case MessageType.STAGED:
      return encodeCbor(intMap([[0, message.type], [1, message.receipt], [2, message.failSafeMs]]));
    case MessageType.STATUS:
      return encodeCbor(intMap([[0, message.type], [1, message.status], [2, message.reason], [3, message.failSafeLeftMs]]));
    case MessageType.ERROR:
      return encodeCbor(intMap([[0, message.type], [1, message.code], [2, message.details.attemptsLeft], [3, message.details.retryAfterMs]]));
    case MessageType.STATUS_QUERY:
    case MessageType.ABORT:
      return encodeCbor(intMap([[0, message.type]]));
  }
}

function badMessage(message: string, cause?: unknown): PairingError {
  return new PairingError(PairingErrorCode.BAD_MESSAGE, message, cause === undefined ? undefined : { cause });
}

function bytesField(map: Map<number, unknown>, key: number, what: string, length?: number): Uint8Array {
  const value = map.get(key);
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) {
    throw badMessage(`${what} must be a byte string${length === undefined ? '' : ` of ${length} bytes`}`);
  }
  return value;
}

function uintField(map: Map<number, unknown>, key: number, what: string): number {
  const value = map.get(key);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) throw badMessage(`${what} must be an unsigned integer`);
  return value;
}

/** Decodes a pairing message; BAD_MESSAGE (or BAD_PROVISIONING for bad provisioning values). */
export function decodeMessage(bytes: Uint8Array): PairingMessage {
  let map: Map<number, unknown>;
  try {
    map = asIntMap(decodeCbor(bytes, MAX_MESSAGE_BYTES), 'pairing message');
  } catch (cause) {
    throw badMessage('pairing message is not a CBOR map of our profile', cause);
  }
  const type = map.get(0);
  switch (type) {
    case MessageType.PROVE:
      return { type, proof: bytesField(map, 1, 'PROVE proof', 32) };
    case MessageType.IDENTITY:
      return { type, meterPublicKey: bytesField(map, 1, 'IDENTITY public key', 32), binding: bytesField(map, 2, 'IDENTITY binding') };
    case MessageType.PROVISION:
      return { type, provisioning: provisioningFromCbor(map.get(1)) };
    case MessageType.STAGED:
      return { type, receipt: bytesField(map, 1, 'STAGED receipt'), failSafeMs: uintField(map, 2, 'STAGED fail-safe') };
    case MessageType.STATUS: {
      const status = map.get(1);
      if (status !== 0 && status !== 1 && status !== 2 && status !== 3) throw badMessage(`STATUS ${String(status)} is not 0..3`);
      const reason = map.get(2);
      if (reason !== undefined && !isPairingErrorCode(reason)) throw badMessage(`STATUS reason ${String(reason)} is not a known code`);
      const left = map.has(3) ? uintField(map, 3, 'STATUS fail-safe left') : undefined;
      return { type, status, ...(reason === undefined ? {} : { reason }), ...(left === undefined ? {} : { failSafeLeftMs: left }) };
    }
    case MessageType.ERROR: {
      const code = map.get(1);
      if (!isPairingErrorCode(code)) throw badMessage(`ERROR carries an unknown code ${String(code)}`);
      return { type, code, details: readDetails(map, 2, 3) };
    }
    case MessageType.STATUS_QUERY:
    case MessageType.ABORT:
      return { type };
    default:
      throw badMessage(`unknown pairing message type ${String(type)}`);
  }
}

export function encodeHandshakePayload(): Uint8Array {
  return encodeCbor(intMap([[1, PAIRING_VERSION]]));
}

/** Checks the peer's handshake payload names our pairing version. */
export function checkHandshakePayload(bytes: Uint8Array): void {
  let map: Map<number, unknown>;
  try {
    map = asIntMap(decodeCbor(bytes, 64), 'handshake payload');
  } catch (cause) {
    throw new PairingError(PairingErrorCode.BAD_HANDSHAKE, 'handshake payload is not a CBOR map', { cause });
  }
  if (map.get(1) !== PAIRING_VERSION) throw new PairingError(PairingErrorCode.BAD_MESSAGE, `peer speaks pairing version ${String(map.get(1))}, this side ${PAIRING_VERSION}: update the tool or the firmware`);
}
