/**
 * Ciphered xDLMS APDUs (IEC 62056-5-3 §8 and §9.2.7.2.4, Green Book Table "Ciphered APDUs"):
 *
 *   service-specific   glo-/ded-<service> tag | length | SC | IC (4) | ciphertext [| T]
 *   general-glo        DB | system-title (octet string) | ciphered-content (octet string: SC | IC | ciphertext [| T])
 *   general-ded        DC | same as general-glo, under the dedicated key
 *
 * The service-specific form carries no system title: the receiver uses the one learnt from the
 * AARQ/AARE. The inner APDU must be of the service the outer tag names.
 */
import { ByteReader, ByteWriter } from '../byte-io.js';
import { ApduError, SecurityError } from '../errors.js';
import { protect, SYSTEM_TITLE_BYTES, unprotect, type SecurityKeys } from './security.js';
import { ApduTag, DEDICATED_CIPHERED_TAG, GLOBAL_CIPHERED_TAG, apduName } from './tags.js';

export type CipheringStyle = 'service-specific' | 'general';

export interface CipherOptions {
  readonly style: CipheringStyle;
  /** Use the dedicated key (ded- tags, general-ded-ciphering). */
  readonly dedicated?: boolean;
  readonly securityControl: number;
  /** The sender's own system title (8 bytes). */
  readonly systemTitle: Uint8Array;
  readonly invocationCounter: number;
  readonly keys: SecurityKeys;
}

export interface DecipherOptions {
  /** Global keys. */
  readonly keys: SecurityKeys;
  /** Dedicated encryption key agreed in the InitiateRequest, if any. */
  readonly dedicatedKey?: Uint8Array | undefined;
  /** The peer's system title, needed for the service-specific form. */
  readonly peerSystemTitle?: Uint8Array | undefined;
}

export interface DecipheredApdu {
  readonly apdu: Uint8Array;
  readonly securityControl: number;
  readonly invocationCounter: number;
  readonly systemTitle: Uint8Array;
  readonly style: CipheringStyle;
  readonly dedicated: boolean;
}

const PLAIN_OF: Record<number, number> = {};
for (const [plain, glo] of Object.entries(GLOBAL_CIPHERED_TAG)) PLAIN_OF[glo] = Number(plain);
for (const [plain, ded] of Object.entries(DEDICATED_CIPHERED_TAG)) PLAIN_OF[ded] = Number(plain);
const DEDICATED_TAGS = new Set(Object.values(DEDICATED_CIPHERED_TAG));

export function isCipheredApdu(tag: number | undefined): boolean {
  return tag !== undefined && (PLAIN_OF[tag] !== undefined || tag === ApduTag.GENERAL_GLO_CIPHERING || tag === ApduTag.GENERAL_DED_CIPHERING);
}

function keysFor(keys: SecurityKeys, dedicated: boolean, dedicatedKey: Uint8Array | undefined): SecurityKeys {
  if (!dedicated) return keys;
  if (dedicatedKey === undefined) throw new SecurityError('DLMS_SECURITY_NO_KEY', 'APDU ciphered with the dedicated key, but no dedicated key was agreed');
  return { encryptionKey: dedicatedKey, authenticationKey: keys.authenticationKey };
}

export function cipherApdu(plain: Uint8Array, options: CipherOptions): Uint8Array {
  const dedicated = options.dedicated ?? false;
  const payload = protect(options.securityControl, options.keys, options.systemTitle, options.invocationCounter, plain);
  const content = new ByteWriter(payload.length + 5).u8(options.securityControl).u32(options.invocationCounter).bytes(payload).finish();
  const w = new ByteWriter(content.length + 16);
  if (options.style === 'service-specific') {
    const tag = (dedicated ? DEDICATED_CIPHERED_TAG : GLOBAL_CIPHERED_TAG)[plain[0]!];
    if (tag === undefined) throw new TypeError(`${apduName(plain[0])} has no service-specific ciphered form`);
    w.u8(tag);
  } else {
    if (options.systemTitle.length !== SYSTEM_TITLE_BYTES) throw new RangeError('system title of 8 bytes expected');
    w.u8(dedicated ? ApduTag.GENERAL_DED_CIPHERING : ApduTag.GENERAL_GLO_CIPHERING).berLength(SYSTEM_TITLE_BYTES).bytes(options.systemTitle);
  }
  return w.berLength(content.length).bytes(content).finish();
}

export function decipherApdu(apdu: Uint8Array, options: DecipherOptions): DecipheredApdu {
  const r = new ByteReader(apdu, { layer: 'APDU', what: 'ciphered APDU' });
  const tag = r.u8();
  let style: CipheringStyle;
  let dedicated: boolean;
  let systemTitle: Uint8Array;
  if (tag === ApduTag.GENERAL_GLO_CIPHERING || tag === ApduTag.GENERAL_DED_CIPHERING) {
    style = 'general';
    dedicated = tag === ApduTag.GENERAL_DED_CIPHERING;
    const n = r.length();
    if (n !== SYSTEM_TITLE_BYTES) r.malformed(`system title of 8 bytes expected, got ${n}`);
    systemTitle = r.take(n).slice();
  } else if (PLAIN_OF[tag] !== undefined) {
    style = 'service-specific';
    dedicated = DEDICATED_TAGS.has(tag);
    if (options.peerSystemTitle === undefined) throw new SecurityError('DLMS_SECURITY_NO_KEY', `${apduName(tag)} needs the peer's system title, which the association did not provide`);
    systemTitle = options.peerSystemTitle;
  } else {
    throw new ApduError('DLMS_APDU_BAD_TAG', `${apduName(tag)} is not a ciphered APDU`);
  }
  const length = r.length();
  if (length !== r.remaining) r.malformed(`ciphered content length ${length} does not match the ${r.remaining} bytes present`);
  if (length < 5) r.truncated(5);
  const securityControl = r.u8();
  const invocationCounter = r.u32();
  const payload = r.take(r.remaining);
  const plain = unprotect(securityControl, keysFor(options.keys, dedicated, options.dedicatedKey), systemTitle, invocationCounter, payload);
  if (style === 'service-specific' && plain[0] !== PLAIN_OF[tag]) {
    throw new ApduError('DLMS_APDU_MALFORMED', `${apduName(tag)} carries ${apduName(plain[0])}`);
  }
  return { apdu: plain, securityControl, invocationCounter, systemTitle, style, dedicated };
}
