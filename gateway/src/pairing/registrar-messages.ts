/**
 * Bodies of the registrar's two requests (inside the signed request of technician-credential.ts)
 * and of its answers, CBOR maps of the protocol profile with integer keys:
 *
 *   enroll request   {1: meter id (bstr 8), 2: static X25519 key, 3: meter Ed25519 key,
 *                     4: handshake hash, 5: binding (COSE_Sign1), 6: role (1 producer, 2 consumer),
 *                     7: production method (uint) or user id (text), 8: owner party id (optional),
 *                     9: rated power W}
 *   enroll answer    {1: intermediary id, 2: broker URL, 3: MQTT username, 4: MQTT password,
 *                     5: interval length s, 6: enrollment valid until (Unix ms)}
 *   register request the pairing result (protocol encodePairingResult)
 *   register answer  {1: register-meter tx id, 2: "applied" | "duplicate" | "already-registered"}
 *   cancel request   meter id (bstr 8); answer: true if an enrollment was dropped
 *
 * Enrollment happens after the meter proved its identity in the pairing session and before
 * the technician sends PROVISION, so the MQTT credential is issued only to a meter that holds
 * the key of the id on its label; registration happens once the meter staged the values.
 */
import { asIntMap, decodeCbor, encodeCbor, fromHex, intMap, isMeterId, isPartyId, toHex } from '@wattledger/protocol';
import type { MeterRole as PairingMeterRole } from '@wattledger/protocol/pairing';
import { RegistrarError, RegistrarErrorCode } from './errors.js';

export interface EnrollRequest {
  readonly meterId: string;
  readonly staticKey: Uint8Array;
  readonly meterPublicKey: Uint8Array;
  readonly handshakeHash: Uint8Array;
  readonly binding: Uint8Array;
  readonly role: PairingMeterRole;
  /** Ledger party owning the meter; default: the intermediary (producers) or the user id (consumers). */
  readonly owner?: string;
  readonly ratedPowerW: number;
}

export interface EnrollAnswer {
  readonly intermediaryId: string;
  readonly brokerUrl: string;
  readonly mqttUsername: string;
  readonly mqttPassword: string;
  readonly intervalLength: number;
  readonly validUntilMs: number;
}

export type RegisterStatus = 'applied' | 'duplicate' | 'already-registered';

export interface RegisterAnswer {
  readonly txId: string;
  readonly status: RegisterStatus;
}

function bad(message: string, cause?: unknown): RegistrarError {
  return new RegistrarError(RegistrarErrorCode.BAD_REQUEST, message, cause === undefined ? undefined : { cause });
}

function mapOf(bytes: Uint8Array, what: string): Map<number, unknown> {
  try {
    return asIntMap(decodeCbor(bytes, 8192), what);
  } catch (cause) {
    throw bad(`${what} is not a CBOR map of our profile`, cause);
  }
}

function bytesAt(map: Map<number, unknown>, key: number, what: string, length?: number): Uint8Array {
  const value = map.get(key);
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length)) throw bad(`${what} must be a byte string${length === undefined ? '' : ` of ${length} bytes`}`);
  return value;
}

function uintAt(map: Map<number, unknown>, key: number, what: string): number {
  const value = map.get(key);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(`${what} must be an unsigned integer`);
  return value;
}

function textAt(map: Map<number, unknown>, key: number, what: string): string {
  const value = map.get(key);
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) throw bad(`${what} must be text`);
  return value;
}

export function encodeEnrollRequest(request: EnrollRequest): Uint8Array {
  const role = request.role;
  return encodeCbor(intMap([
    [1, fromHex(request.meterId)],
    [2, request.staticKey],
    [3, request.meterPublicKey],
    [4, request.handshakeHash],
    [5, request.binding],
    [6, role.kind === 'producer' ? 1 : 2],
    [7, role.kind === 'producer' ? role.productionMethod : role.userId],
    [8, request.owner],
    [9, request.ratedPowerW],
  ]));
}

export function decodeEnrollRequest(bytes: Uint8Array): EnrollRequest {
  const map = mapOf(bytes, 'enroll request');
  const meterId = toHex(bytesAt(map, 1, 'meter id', 8));
  const roleCode = map.get(6);
  const roleValue = map.get(7);
  let role: PairingMeterRole;
  if (roleCode === 1 && typeof roleValue === 'number') role = { kind: 'producer', productionMethod: roleValue };
  else if (roleCode === 2 && typeof roleValue === 'string') role = { kind: 'consumer', userId: roleValue };
  else throw bad('role must be 1 with a production method or 2 with a user id');
  const owner = map.get(8);
  if (owner !== undefined && !isPartyId(owner)) throw bad('owner must be a party id (16 hex digits)');
  return {
    meterId,
    staticKey: bytesAt(map, 2, 'static key', 32),
    meterPublicKey: bytesAt(map, 3, 'meter public key', 32),
    handshakeHash: bytesAt(map, 4, 'handshake hash', 32),
    binding: bytesAt(map, 5, 'binding'),
    role,
    ...(owner === undefined ? {} : { owner }),
    ratedPowerW: uintAt(map, 9, 'rated power'),
  };
}

export function encodeEnrollAnswer(answer: EnrollAnswer): Uint8Array {
  return encodeCbor(intMap([
    [1, answer.intermediaryId],
    [2, answer.brokerUrl],
    [3, answer.mqttUsername],
    [4, answer.mqttPassword],
    [5, answer.intervalLength],
    [6, answer.validUntilMs],
  ]));
}

export function decodeEnrollAnswer(bytes: Uint8Array): EnrollAnswer {
  const map = mapOf(bytes, 'enroll answer');
  const username = textAt(map, 3, 'MQTT username');
  if (!isMeterId(username)) throw bad('MQTT username must be the meter id');
  return {
    intermediaryId: textAt(map, 1, 'intermediary id'),
    brokerUrl: textAt(map, 2, 'broker URL'),
    mqttUsername: username,
    mqttPassword: textAt(map, 4, 'MQTT password'),
    intervalLength: uintAt(map, 5, 'interval length'),
    validUntilMs: uintAt(map, 6, 'valid until'),
  };
}

export function encodeRegisterAnswer(answer: RegisterAnswer): Uint8Array {
  return encodeCbor(intMap([[1, answer.txId], [2, answer.status]]));
}

export function decodeRegisterAnswer(bytes: Uint8Array): RegisterAnswer {
  const map = mapOf(bytes, 'register answer');
  const status = map.get(2);
  if (status !== 'applied' && status !== 'duplicate' && status !== 'already-registered') throw bad(`register status ${String(status)} is unknown`);
  return { txId: textAt(map, 1, 'tx id'), status };
}

export function encodeCancelRequest(meterId: string): Uint8Array {
  return encodeCbor(fromHex(meterId));
}

export function decodeCancelRequest(bytes: Uint8Array): string {
  let value: unknown;
  try {
    value = decodeCbor(bytes, 64);
  } catch (cause) {
    throw bad('cancel request is not CBOR', cause);
  }
  if (!(value instanceof Uint8Array) || value.length !== 8) throw bad('cancel request must be the 8-byte meter id');
  return toHex(value);
}
