/**
 * CRC-32 of ISO/IEC 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320, init and final XOR
 * 0xFFFFFFFF; check value of "123456789" is 0xCBF43926). Catches every burst error up to 32
 * bits in a scanned or typed onboarding code.
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
