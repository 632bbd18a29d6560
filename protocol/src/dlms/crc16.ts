/**
 * CRC-16/X.25 (ISO/IEC 13239 §4.2.5.2, the FCS of IEC 62056-46 HDLC): reflected polynomial
 * 0x8408 (x^16 + x^12 + x^5 + 1), initial value 0xFFFF, final XOR 0xFFFF. HCS and FCS go on the
 * wire low byte first. Check value over "123456789" is 0x906E.
 *
 * Slice-by-4: T[k][n] is the CRC register after feeding byte n followed by k zero bytes, so four
 * input bytes advance the register with four lookups (Intel "slicing-by-N", applied to 16 bits).
 */

const TABLES = /* @__PURE__ */ (() => {
  const t0 = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t0[n] = c;
  }
  const next = (prev: Uint16Array): Uint16Array => prev.map((v) => (v >>> 8) ^ t0[v & 0xff]!);
  const t1 = next(t0);
  const t2 = next(t1);
  return [t0, t1, t2, next(t2)] as const;
})();

export function crc16x25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const [t0, t1, t2, t3] = TABLES;
  let crc = 0xffff;
  let i = start;
  for (; i + 3 < end; i += 4) {
    crc ^= bytes[i]! | (bytes[i + 1]! << 8);
    crc = t3[crc & 0xff]! ^ t2[crc >>> 8]! ^ t1[bytes[i + 2]!]! ^ t0[bytes[i + 3]!]!;
  }
  for (; i < end; i++) crc = (crc >>> 8) ^ t0[(crc ^ bytes[i]!) & 0xff]!;
  return (crc ^ 0xffff) & 0xffff;
}
