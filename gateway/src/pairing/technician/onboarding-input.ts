/**
 * Where the technician tool gets a meter's onboarding payload: the QR text (`WL1:...`), or
 * the bytes of its NFC tag, either a bare NDEF message (NFC Forum NDEF 1.0) or the memory of
 * an NFC Forum Type 2 tag (Type 2 Tag Technical Specification 1.0 §2: capability container
 * 0xE1 in block 3, then TLV blocks from block 4; the NDEF message TLV is T = 0x03 with a
 * 1-byte length, or 0xFF and a 2-byte length). A typed setup code only replaces the code:
 * the meter's static key must come from its label or tag, or the channel would not know
 * whom it talks to.
 */
import { decodeNdefMessage, decodeOnboardingText, onboardingFromNdef, PairingError, PairingErrorCode, type OnboardingPayload } from '@wattledger/protocol/pairing';

const TLV = Object.freeze({ NULL: 0x00, LOCK_CONTROL: 0x01, MEMORY_CONTROL: 0x02, NDEF_MESSAGE: 0x03, PROPRIETARY: 0xfd, TERMINATOR: 0xfe } as const);
const CC_MAGIC = 0xe1;
const DATA_AREA_OFFSET = 16;
const NDEF_MB = 0x80;

function bad(message: string): PairingError {
  return new PairingError(PairingErrorCode.BAD_ONBOARDING, message);
}

/** The NDEF message inside a Type 2 tag's TLV area (or a whole tag dump with its header). */
export function ndefFromType2Tag(memory: Uint8Array): Uint8Array {
  let i = memory.length >= DATA_AREA_OFFSET && memory[12] === CC_MAGIC ? DATA_AREA_OFFSET : 0;
  while (i < memory.length) {
    const type = memory[i++]!;
    if (type === TLV.NULL) continue;
    if (type === TLV.TERMINATOR) break;
    if (i >= memory.length) break;
    let length = memory[i++]!;
    if (length === 0xff) {
      if (i + 2 > memory.length) break;
      length = (memory[i]! << 8) | memory[i + 1]!;
      i += 2;
    }
    if (i + length > memory.length) throw bad(`NFC tag TLV 0x${type.toString(16)} announces ${length} bytes, the tag holds ${memory.length - i}`);
    if (type === TLV.NDEF_MESSAGE) return memory.subarray(i, i + length);
    i += length;
  }
  throw bad('the NFC tag holds no NDEF message TLV (0x03)');
}

/** Onboarding payload from NFC bytes: a bare NDEF message or Type 2 tag memory. */
export function onboardingFromNfcBytes(bytes: Uint8Array): OnboardingPayload {
  if (bytes.length === 0) throw bad('the NFC tag data is empty');
  const message = bytes[0]! & NDEF_MB && !(bytes.length >= DATA_AREA_OFFSET && bytes[12] === CC_MAGIC) ? bytes : ndefFromType2Tag(bytes);
  let records;
  try {
    records = decodeNdefMessage(message);
  } catch (cause) {
    throw new PairingError(PairingErrorCode.BAD_ONBOARDING, `the NFC tag does not hold a valid NDEF message: ${(cause as Error).message}`, { cause });
  }
  return onboardingFromNdef(records);
}

export function onboardingFromQr(text: string): OnboardingPayload {
  return decodeOnboardingText(text);
}
