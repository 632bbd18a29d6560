/**
 * The established pairing channel as plain data, so state machines stay `step(state, event)`
 * pure: the two Noise transport keys and their counters (Noise rev 34 §5.1 CipherState as a
 * value). Sealing returns the next keys; a failure leaves the caller's keys untouched.
 */
import { utf8 } from '../bytes.js';
import { fromHex } from '../bytes.js';
import { PairingError, PairingErrorCode } from './errors.js';
import { decryptAead, encryptAead } from './noise/cipher-state.js';
import type { HandshakeResult } from './noise/handshake-state.js';
import { FrameKind, MAX_TRANSPORT_COUNTER } from './frame.js';
import { encodeFrame } from './frame.js';

export interface ChannelKeys {
  readonly sendKey: Uint8Array;
  readonly sendCounter: number;
  readonly recvKey: Uint8Array;
  readonly recvCounter: number;
  readonly handshakeHash: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** The Noise prologue: binds the channel to the pairing protocol and the meter id of the onboarding payload. */
export function pairingPrologue(meterId: string): Uint8Array {
  const label = utf8('wattledger/pairing/1');
  const id = fromHex(meterId);
  const out = new Uint8Array(label.length + id.length);
  out.set(label, 0);
  out.set(id, label.length);
  return out;
}

/** Channel keys for one side after Split() (§5.2): the initiator sends with c1, the responder with c2. */
export function channelKeys(result: HandshakeResult, initiator: boolean): ChannelKeys {
  const [send, recv] = initiator ? [result.c1, result.c2] : [result.c2, result.c1];
  return Object.freeze({ sendKey: send.key!, sendCounter: 0, recvKey: recv.key!, recvCounter: 0, handshakeHash: result.handshakeHash });
}

/** Encrypts `plaintext` into a TRANSPORT frame; returns the frame and the advanced keys. */
export function sealFrame(keys: ChannelKeys, plaintext: Uint8Array): { keys: ChannelKeys; frame: Uint8Array } {
  if (keys.sendCounter > MAX_TRANSPORT_COUNTER) throw new RangeError('pairing channel counter exhausted: start a new session');
  const noise = encryptAead(keys.sendKey, keys.sendCounter, EMPTY, plaintext);
  const frame = encodeFrame({ kind: FrameKind.TRANSPORT, counter: keys.sendCounter, noise });
  return { keys: Object.freeze({ ...keys, sendCounter: keys.sendCounter + 1 }), frame };
}

/**
 * Decrypts a TRANSPORT frame's body sent with `counter`: REPLAYED if the counter was used
 * already, TAMPERED if it skips ahead or the tag fails.
 */
export function openFrame(keys: ChannelKeys, counter: number, noise: Uint8Array): { keys: ChannelKeys; plaintext: Uint8Array } {
  if (counter < keys.recvCounter) throw new PairingError(PairingErrorCode.REPLAYED, `transport message ${counter} was already received (next is ${keys.recvCounter})`);
  if (counter > keys.recvCounter) throw new PairingError(PairingErrorCode.TAMPERED, `transport message ${counter} arrived, ${keys.recvCounter} expected: messages were dropped or injected`);
  let plaintext: Uint8Array;
  try {
    plaintext = decryptAead(keys.recvKey, counter, EMPTY, noise);
  } catch (cause) {
    throw new PairingError(PairingErrorCode.TAMPERED, `transport message ${counter} fails authentication: it was modified in transit`, { cause });
  }
  return { keys: Object.freeze({ ...keys, recvCounter: keys.recvCounter + 1 }), plaintext };
}
