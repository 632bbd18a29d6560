/**
 * The onboarding payload a meter carries on its label (QR code) and NFC tag (DESIGN §8):
 * meter id, the meter's static X25519 key (the Noise NK responder key), the setup code,
 * capabilities and a version.
 *
 * QR text form: `WL1:` + base32 (RFC 4648, no padding) of 50 bytes:
 *   version(1) | capabilities(1) | meter id(8) | X25519 static key(32) | setup code (uint32 BE)
 *   | CRC-32 (ISO 3309, BE) of the 46 bytes before it
 * 84 characters, all in the QR alphanumeric set. The CRC catches a mis-scan or a typo before
 * any radio traffic.
 *
 * NFC form: one NDEF media-type record (TNF 0x02) of type
 * `application/vnd.wattledger.onboard+cbor` whose payload is a CBOR map of our profile:
 *   {1: version, 2: capabilities, 3: meter id (bstr 8), 4: static key (bstr 32), 5: setup code (uint)}
 * (the NFC link protects each frame with its own CRC-16, ISO/IEC 14443-3).
 */
import { fromHex, toHex, utf8 } from '../bytes.js';
import { asIntMap, decodeCbor, encodeCbor, intMap } from '../cbor.js';
import { isMeterId, type MeterId } from '../reading.js';
import { decodeBase32, encodeBase32 } from './base32.js';
import { crc32 } from './crc32.js';
import { PairingError, PairingErrorCode } from './errors.js';
import { DH_BYTES } from './noise/handshake-state.js';
import { isSetupCode } from './setup-code.js';
import { type NdefRecord, ndefRecord, Tnf } from './transport/ndef.js';

export const ONBOARDING_VERSION = 1;
export const ONBOARDING_TEXT_PREFIX = 'WL1:';
export const ONBOARDING_MIME_TYPE = 'application/vnd.wattledger.onboard+cbor';

/** Radios a meter offers for pairing (bit mask). */
export const Capability = Object.freeze({ NFC: 1, BLE: 2 } as const);
const ALL_CAPABILITIES = Capability.NFC | Capability.BLE;

export interface OnboardingPayload {
  readonly version: number;
  readonly meterId: MeterId;
  /** The meter's static X25519 public key (Noise NK `s` of the responder). */
  readonly staticKey: Uint8Array;
  /** 8 decimal digits. */
  readonly setupCode: string;
  /** Bit mask of `Capability`. */
  readonly capabilities: number;
}

const BINARY_BYTES = 50;
const CRC_OFFSET = 46;

function bad(message: string, cause?: unknown): PairingError {
  return new PairingError(PairingErrorCode.BAD_ONBOARDING, message, cause === undefined ? undefined : { cause });
}

/** Checks an onboarding payload; throws BAD_ONBOARDING naming the bad field. */
export function validateOnboarding(payload: OnboardingPayload): OnboardingPayload {
  if (payload.version !== ONBOARDING_VERSION) throw bad(`onboarding version ${String(payload.version)} is not supported (expected ${ONBOARDING_VERSION}): update the tool`);
  if (!isMeterId(payload.meterId)) throw bad('onboarding meter id must be 16 lower-case hex digits');
  if (!(payload.staticKey instanceof Uint8Array) || payload.staticKey.length !== DH_BYTES) throw bad(`onboarding static key must be ${DH_BYTES} bytes`);
  if (!isSetupCode(payload.setupCode)) throw bad('onboarding setup code must be 8 decimal digits');
  if (!Number.isInteger(payload.capabilities) || payload.capabilities < 1 || (payload.capabilities & ~ALL_CAPABILITIES) !== 0) {
    throw bad(`onboarding capabilities 0x${Number(payload.capabilities).toString(16)} are not a non-empty set of NFC(1)/BLE(2)`);
  }
  return payload;
}

export function encodeOnboardingText(payload: OnboardingPayload): string {
  validateOnboarding(payload);
  const bytes = new Uint8Array(BINARY_BYTES);
  bytes[0] = payload.version;
  bytes[1] = payload.capabilities;
  bytes.set(fromHex(payload.meterId), 2);
  bytes.set(payload.staticKey, 10);
  const code = Number(payload.setupCode);
  writeUint32(bytes, 42, code);
  writeUint32(bytes, CRC_OFFSET, crc32(bytes.subarray(0, CRC_OFFSET)));
  return ONBOARDING_TEXT_PREFIX + encodeBase32(bytes);
}

/** Parses the QR text form (prefix and base32 in either case, surrounding spaces ignored). */
export function decodeOnboardingText(text: string): OnboardingPayload {
  if (typeof text !== 'string') throw new TypeError('decodeOnboardingText: string expected');
  const trimmed = text.trim();
  if (trimmed.slice(0, ONBOARDING_TEXT_PREFIX.length).toUpperCase() !== ONBOARDING_TEXT_PREFIX) {
    throw bad(`not a wattledger onboarding code: it must start with ${ONBOARDING_TEXT_PREFIX}`);
  }
  const bytes = decodeBase32(trimmed.slice(ONBOARDING_TEXT_PREFIX.length));
  if (bytes === undefined) throw bad('onboarding code contains characters outside base32 (A-Z, 2-7) or has a bad length');
  if (bytes.length !== BINARY_BYTES) throw bad(`onboarding code decodes to ${bytes.length} bytes, expected ${BINARY_BYTES}`);
  if (readUint32(bytes, CRC_OFFSET) !== crc32(bytes.subarray(0, CRC_OFFSET))) throw bad('onboarding code checksum does not match: it was mis-scanned or mistyped');
  return validateOnboarding(
    Object.freeze({
      version: bytes[0]!,
      capabilities: bytes[1]!,
      meterId: toHex(bytes.subarray(2, 10)),
      staticKey: bytes.slice(10, 42),
      setupCode: String(readUint32(bytes, 42)).padStart(8, '0'),
    }),
  );
}

export function encodeOnboardingCbor(payload: OnboardingPayload): Uint8Array {
  validateOnboarding(payload);
  return encodeCbor(
    intMap([
      [1, payload.version],
      [2, payload.capabilities],
      [3, fromHex(payload.meterId)],
      [4, payload.staticKey],
      [5, Number(payload.setupCode)],
    ]),
  );
}

export function decodeOnboardingCbor(bytes: Uint8Array): OnboardingPayload {
  let map: Map<number, unknown>;
  try {
    map = asIntMap(decodeCbor(bytes, 512), 'onboarding payload');
  } catch (cause) {
    throw bad('onboarding NFC record is not a CBOR map of our profile', cause);
  }
  const meterId = map.get(3);
  const staticKey = map.get(4);
  const code = map.get(5);
  if (!(meterId instanceof Uint8Array) || meterId.length !== 8) throw bad('onboarding meter id (key 3) must be 8 bytes');
  if (!(staticKey instanceof Uint8Array)) throw bad('onboarding static key (key 4) must be a byte string');
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code >= 100_000_000) throw bad('onboarding setup code (key 5) must be an integer below 10^8');
  return validateOnboarding(
    Object.freeze({
      version: map.get(1) as number,
      capabilities: map.get(2) as number,
      meterId: toHex(meterId),
      staticKey: staticKey.slice(),
      setupCode: String(code).padStart(8, '0'),
    }),
  );
}

/** The NDEF record to write on the meter's NFC tag. */
export function onboardingNdefRecord(payload: OnboardingPayload): NdefRecord {
  return ndefRecord(Tnf.MEDIA_TYPE, utf8(ONBOARDING_MIME_TYPE), encodeOnboardingCbor(payload));
}

/** Finds and decodes our onboarding record among the records of a tag's NDEF message. */
export function onboardingFromNdef(records: ReadonlyArray<NdefRecord>): OnboardingPayload {
  // RFC 2045 §5.1: media types compare case-insensitively.
  const record = records.find((r) => r.tnf === Tnf.MEDIA_TYPE && String.fromCharCode(...r.type).toLowerCase() === ONBOARDING_MIME_TYPE);
  if (record === undefined) throw bad(`the NFC tag holds no ${ONBOARDING_MIME_TYPE} record: is this a wattledger meter?`);
  return decodeOnboardingCbor(record.payload);
}

function writeUint32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = (value >>> 24) & 0xff;
  bytes[offset + 1] = (value >>> 16) & 0xff;
  bytes[offset + 2] = (value >>> 8) & 0xff;
  bytes[offset + 3] = value & 0xff;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
