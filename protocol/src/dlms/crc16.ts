/**
 * CRC-16/X.25 (ISO/IEC 13239 §4.2.5.2, the FCS of IEC 62056-46 HDLC): reflected polynomial
 * 0x8408 (x^16 + x^12 + x^5 + 1), initial value 0xFFFF, final XOR 0xFFFF. HCS and FCS go on the
 * wire low byte first. Check value over "123456789" is 0x906E.
 */

const TABLE = /* @__PURE__ */ (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    table[n] = c;
  }
  return table;
})();

export function crc16x25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return (crc ^ 0xffff) & 0xffff;
}
