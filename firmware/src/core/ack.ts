/**
 * Ack payload on `wl/v1/meters/{id}/ack` (gateway -> meter, QoS 1): one CBOR unsigned
 * integer (RFC 8949 §3.1 major type 0, shortest form), the highest sequence number up to
 * which the gateway has durably stored every reading of this meter's chain. The meter then
 * drops every queued reading with a sequence number at or below it.
 * Anything else is refused with a reason; a refused ack never removes a reading.
 */
import { decodeCbor, encodeCbor, equalBytes, MAX_SEQ } from '@wattledger/protocol';

export type AckResult = { readonly ok: true; readonly seq: number } | { readonly ok: false; readonly reason: string };

const MAX_ACK_BYTES = 16;

export function encodeAck(seq: number): Uint8Array {
  if (!Number.isInteger(seq) || seq < 0 || seq > MAX_SEQ) throw new RangeError(`encodeAck: sequence number 0..${MAX_SEQ} expected, got ${seq}`);
  return encodeCbor(seq);
}

export function decodeAck(payload: Uint8Array): AckResult {
  if (payload.length === 0) return { ok: false, reason: 'empty ack payload' };
  if (payload.length > MAX_ACK_BYTES) return { ok: false, reason: `ack payload of ${payload.length} bytes (one CBOR unsigned integer expected)` };
  let value: unknown;
  try {
    value = decodeCbor(payload, MAX_ACK_BYTES);
  } catch (error) {
    return { ok: false, reason: `ack is not CBOR: ${(error as Error).message}` };
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_SEQ) {
    return { ok: false, reason: `ack must be an unsigned integer 0..${MAX_SEQ}, got ${typeof value === 'number' ? value : typeof value}` };
  }
  if (!equalBytes(encodeCbor(value), payload)) return { ok: false, reason: 'ack integer is not in shortest form' };
  return { ok: true, seq: value };
}
