/**
 * xDLMS conformance block (IEC 62056-5-3 §8, Conformance ::= [APPLICATION 31] IMPLICIT BIT
 * STRING (SIZE(24))): encoded 5F 1F 04 00 <3 bytes>, bit 0 the most significant bit of the first
 * byte. Held here as a 24-bit number with bit n at 1 << (23 - n).
 */
import type { ByteReader, ByteWriter } from '../byte-io.js';

const bit = (n: number): number => 1 << (23 - n);

export const Conformance = Object.freeze({
  GENERAL_PROTECTION: bit(1),
  GENERAL_BLOCK_TRANSFER: bit(2),
  READ: bit(3),
  WRITE: bit(4),
  UNCONFIRMED_WRITE: bit(5),
  DELTA_VALUE_ENCODING: bit(6),
  ATTRIBUTE0_SUPPORTED_WITH_SET: bit(8),
  PRIORITY_MGMT_SUPPORTED: bit(9),
  ATTRIBUTE0_SUPPORTED_WITH_GET: bit(10),
  BLOCK_TRANSFER_WITH_GET_OR_READ: bit(11),
  BLOCK_TRANSFER_WITH_SET_OR_WRITE: bit(12),
  BLOCK_TRANSFER_WITH_ACTION: bit(13),
  MULTIPLE_REFERENCES: bit(14),
  INFORMATION_REPORT: bit(15),
  DATA_NOTIFICATION: bit(16),
  ACCESS: bit(17),
  PARAMETERIZED_ACCESS: bit(18),
  GET: bit(19),
  SET: bit(20),
  SELECTIVE_ACCESS: bit(21),
  EVENT_NOTIFICATION: bit(22),
  ACTION: bit(23),
} as const);

/** What a logical-name client asks for by default. */
export const DEFAULT_CLIENT_CONFORMANCE =
  Conformance.BLOCK_TRANSFER_WITH_GET_OR_READ | Conformance.BLOCK_TRANSFER_WITH_SET_OR_WRITE | Conformance.BLOCK_TRANSFER_WITH_ACTION |
  Conformance.MULTIPLE_REFERENCES | Conformance.GET | Conformance.SET | Conformance.SELECTIVE_ACCESS | Conformance.ACTION |
  Conformance.PRIORITY_MGMT_SUPPORTED | Conformance.ATTRIBUTE0_SUPPORTED_WITH_GET | Conformance.EVENT_NOTIFICATION;

export function conformanceNames(mask: number): string[] {
  return Object.entries(Conformance).filter(([, b]) => (mask & b) !== 0).map(([name]) => name.toLowerCase().replace(/_/g, '-'));
}

export function writeConformance(w: ByteWriter, mask: number): void {
  if (!Number.isInteger(mask) || mask < 0 || mask > 0xffffff) throw new RangeError('conformance: 24-bit mask expected');
  w.u8(0x5f).u8(0x1f).u8(0x04).u8(0x00).u8(mask >> 16).u8((mask >> 8) & 0xff).u8(mask & 0xff);
}

export function readConformance(r: ByteReader): number {
  if (r.u8() !== 0x5f || r.u8() !== 0x1f) r.malformed('conformance block tag 5F 1F expected');
  if (r.u8() !== 0x04) r.malformed('conformance block length 4 expected');
  r.u8();
  return (r.u8() << 16) | (r.u8() << 8) | r.u8();
}
