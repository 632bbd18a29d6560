/**
 * Pairing frames: the unit carried by one NDEF record or one reassembled BLE frame.
 *
 *   0x11 HANDSHAKE_1  Noise NK message 1 (-> e, es)                technician -> meter
 *   0x12 HANDSHAKE_2  Noise NK message 2 (<- e, ee)                meter -> technician
 *   0x13 TRANSPORT    uint32 BE counter | Noise transport message  both ways
 *   0x1F REFUSAL      CBOR {1: code, 2: attempts left, 3: retry after ms}, plaintext,
 *                     meter -> technician, when no channel exists (window closed...)
 *
 * The high nibble is the pairing protocol version (1). The TRANSPORT counter is the Noise
 * nonce (Noise rev 34 §5.1 n, sent explicitly as §11.4 permits) so a receiver can tell a
 * replay (counter already used) from tampering; a REFUSAL is unauthenticated and can only
 * end a session, never change the meter.
 */
import { asIntMap, decodeCbor, encodeCbor, intMap } from '../cbor.js';
import { isPairingErrorCode, PairingError, PairingErrorCode, type PairingErrorDetails } from './errors.js';
import { MAX_NOISE_MESSAGE } from './noise/cipher-state.js';

export const FrameKind = Object.freeze({ HANDSHAKE_1: 0x11, HANDSHAKE_2: 0x12, TRANSPORT: 0x13, REFUSAL: 0x1f } as const);
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Pairing frames are small: one provisioning request is a few hundred bytes. */
export const MAX_PAIRING_FRAME_BYTES = 4096;
export const MAX_TRANSPORT_COUNTER = 0xffffffff;

export type PairingFrame =
  | { readonly kind: typeof FrameKind.HANDSHAKE_1; readonly noise: Uint8Array }
  | { readonly kind: typeof FrameKind.HANDSHAKE_2; readonly noise: Uint8Array }
  | { readonly kind: typeof FrameKind.TRANSPORT; readonly counter: number; readonly noise: Uint8Array }
  | { readonly kind: typeof FrameKind.REFUSAL; readonly code: PairingErrorCode; readonly details: PairingErrorDetails };

function badFrame(message: string): PairingError {
  return new PairingError(PairingErrorCode.BAD_FRAME, message);
}

export function encodeFrame(frame: PairingFrame): Uint8Array {
  let body: Uint8Array;
  let prefix = 1;
  if (frame.kind === FrameKind.REFUSAL) {
    body = encodeCbor(intMap([[1, frame.code], [2, frame.details.attemptsLeft], [3, frame.details.retryAfterMs]]));
  } else {
    body = frame.noise;
    if (frame.kind === FrameKind.TRANSPORT) {
      if (!Number.isInteger(frame.counter) || frame.counter < 0 || frame.counter > MAX_TRANSPORT_COUNTER) throw new RangeError(`transport counter out of range: ${frame.counter}`);
      prefix = 5;
    }
  }
  const out = new Uint8Array(prefix + body.length);
  if (out.length > MAX_PAIRING_FRAME_BYTES) throw new RangeError(`pairing frame of ${out.length} bytes exceeds ${MAX_PAIRING_FRAME_BYTES}`);
  out[0] = frame.kind;
  if (frame.kind === FrameKind.TRANSPORT) {
    out[1] = (frame.counter >>> 24) & 0xff;
    out[2] = (frame.counter >>> 16) & 0xff;
    out[3] = (frame.counter >>> 8) & 0xff;
    out[4] = frame.counter & 0xff;
  }
  out.set(body, prefix);
  return out;
}

/** Parses a pairing frame; PairingError BAD_FRAME / TOO_LARGE on anything malformed. */
export function decodeFrame(bytes: Uint8Array): PairingFrame {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodeFrame: Uint8Array expected');
  if (bytes.length === 0) throw badFrame('empty pairing frame');
  if (bytes.length > MAX_PAIRING_FRAME_BYTES) throw new PairingError(PairingErrorCode.TOO_LARGE, `pairing frame of ${bytes.length} bytes exceeds ${MAX_PAIRING_FRAME_BYTES}`);
  const kind = bytes[0]!;
  switch (kind) {
    case FrameKind.HANDSHAKE_1:
    case FrameKind.HANDSHAKE_2:
      if (bytes.length - 1 > MAX_NOISE_MESSAGE) throw badFrame('handshake message too long');
      return { kind, noise: bytes.slice(1) };
    case FrameKind.TRANSPORT: {
      if (bytes.length < 5) throw badFrame('transport frame shorter than its 4-byte counter');
      const counter = ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0;
      return { kind, counter, noise: bytes.slice(5) };
    }
    case FrameKind.REFUSAL: {
      let map: Map<number, unknown>;
      try {
        map = asIntMap(decodeCbor(bytes.subarray(1), 256), 'refusal');
      } catch (cause) {
        throw new PairingError(PairingErrorCode.BAD_FRAME, 'refusal frame is not a CBOR map', { cause });
      }
      const code = map.get(1);
      if (!isPairingErrorCode(code)) throw badFrame(`refusal carries an unknown code ${String(code)}`);
      return { kind, code, details: readDetails(map, 2, 3) };
    }
    default:
      throw badFrame(`unknown pairing frame kind 0x${kind.toString(16).padStart(2, '0')} (version ${kind >> 4})`);
  }
}

/** Attempts-left / retry-after fields shared by REFUSAL frames and ERROR messages. */
export function readDetails(map: Map<number, unknown>, attemptsKey: number, retryKey: number): PairingErrorDetails {
  const details: PairingErrorDetails = {};
  const attempts = map.get(attemptsKey);
  const retry = map.get(retryKey);
  if (typeof attempts === 'number' && Number.isInteger(attempts) && attempts >= 0) details.attemptsLeft = attempts;
  if (typeof retry === 'number' && Number.isInteger(retry) && retry >= 0) details.retryAfterMs = retry;
  return details;
}
