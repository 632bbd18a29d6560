/** APDU tags of xDLMS and ACSE (IEC 62056-5-3 §8 COSEMpdu, DLMS UA Green Book §9.5). */
export const ApduTag = Object.freeze({
  INITIATE_REQUEST: 0x01,
  INITIATE_RESPONSE: 0x08,
  CONFIRMED_SERVICE_ERROR: 0x0e,
  DATA_NOTIFICATION: 0x0f,
  GLO_INITIATE_REQUEST: 0x21,
  GLO_INITIATE_RESPONSE: 0x28,
  DED_INITIATE_REQUEST: 0x41,
  DED_INITIATE_RESPONSE: 0x48,
  AARQ: 0x60,
  AARE: 0x61,
  RLRQ: 0x62,
  RLRE: 0x63,
  GET_REQUEST: 0xc0,
  SET_REQUEST: 0xc1,
  EVENT_NOTIFICATION: 0xc2,
  ACTION_REQUEST: 0xc3,
  GET_RESPONSE: 0xc4,
  SET_RESPONSE: 0xc5,
  ACTION_RESPONSE: 0xc7,
  GLO_GET_REQUEST: 0xc8,
  GLO_SET_REQUEST: 0xc9,
  GLO_EVENT_NOTIFICATION: 0xca,
  GLO_ACTION_REQUEST: 0xcb,
  GLO_GET_RESPONSE: 0xcc,
  GLO_SET_RESPONSE: 0xcd,
  GLO_ACTION_RESPONSE: 0xcf,
  DED_GET_REQUEST: 0xd0,
  DED_SET_REQUEST: 0xd1,
  DED_EVENT_NOTIFICATION: 0xd2,
  DED_ACTION_REQUEST: 0xd3,
  DED_GET_RESPONSE: 0xd4,
  DED_SET_RESPONSE: 0xd5,
  DED_ACTION_RESPONSE: 0xd7,
  EXCEPTION_RESPONSE: 0xd8,
  GENERAL_GLO_CIPHERING: 0xdb,
  GENERAL_DED_CIPHERING: 0xdc,
  GENERAL_CIPHERING: 0xdd,
  GENERAL_BLOCK_TRANSFER: 0xe0,
} as const);

const NAMES: Readonly<Record<number, string>> = Object.freeze(Object.fromEntries(Object.entries(ApduTag).map(([name, tag]) => [tag, name.toLowerCase().replace(/_/g, '-')])));

export function apduName(tag: number | undefined): string {
  return tag === undefined ? 'empty APDU' : NAMES[tag] ?? `APDU tag 0x${tag.toString(16)}`;
}

/** The glo- (global key) tag of a plain xDLMS APDU tag, per the Green Book's ciphered APDU table. */
export const GLOBAL_CIPHERED_TAG: Readonly<Record<number, number>> = Object.freeze({
  0x01: 0x21, 0x08: 0x28, 0xc0: 0xc8, 0xc1: 0xc9, 0xc2: 0xca, 0xc3: 0xcb, 0xc4: 0xcc, 0xc5: 0xcd, 0xc7: 0xcf,
});
/** The ded- (dedicated key) tag of a plain xDLMS APDU tag. */
export const DEDICATED_CIPHERED_TAG: Readonly<Record<number, number>> = Object.freeze({
  0x01: 0x41, 0x08: 0x48, 0xc0: 0xd0, 0xc1: 0xd1, 0xc2: 0xd2, 0xc3: 0xd3, 0xc4: 0xd4, 0xc5: 0xd5, 0xc7: 0xd7,
});
