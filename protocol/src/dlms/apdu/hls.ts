/**
 * HLS authentication with mechanism 5, GMAC (IEC 62056-5-3 §9.2.7.4, Green Book §9.2.7.4):
 *
 *   pass 1  AARQ carries the client's challenge CtoS, pass 2 AARE the server's StoC;
 *   pass 3  the client invokes reply_to_HLS_authentication (Association LN, method 1) with
 *           SC || IC || GMAC(SC || AK || StoC) under the client's system title and IC;
 *   pass 4  the server returns SC || IC || GMAC(SC || AK || CtoS) under its system title.
 */
import { Data, type DlmsData } from '../axdr.js';
import { AssociationError } from '../errors.js';
import { constantTimeEqual, GCM_TAG_BYTES, gmacTag, SecurityControl, type SecurityKeys } from './security.js';

export const HLS_RESPONSE_BYTES = 1 + 4 + GCM_TAG_BYTES;

/** SC || IC || GMAC tag over `challenge` (the peer's challenge). */
export function hlsGmacResponse(keys: SecurityKeys, systemTitle: Uint8Array, invocationCounter: number, challenge: Uint8Array): Uint8Array {
  const sc = SecurityControl.AUTHENTICATION;
  const tag = gmacTag(keys, systemTitle, invocationCounter, challenge, sc);
  const out = new Uint8Array(HLS_RESPONSE_BYTES);
  out[0] = sc;
  out[1] = invocationCounter >>> 24;
  out[2] = (invocationCounter >>> 16) & 0xff;
  out[3] = (invocationCounter >>> 8) & 0xff;
  out[4] = invocationCounter & 0xff;
  out.set(tag, 5);
  return out;
}

/**
 * Checks the peer's pass-3/4 answer against our own challenge. Returns the peer's invocation
 * counter; throws AssociationError (authentication-failure) when the tag does not verify.
 */
export function verifyHlsGmac(keys: SecurityKeys, peerSystemTitle: Uint8Array, ownChallenge: Uint8Array, response: Uint8Array): number {
  if (response.length !== HLS_RESPONSE_BYTES || response[0] !== SecurityControl.AUTHENTICATION) {
    throw new AssociationError('DLMS_ASSOCIATION_AUTHENTICATION', `HLS-GMAC: reply of ${response.length} bytes is not SC(0x10) || IC || 12-byte tag`, 'authentication-failure');
  }
  const ic = ((response[1]! << 24) >>> 0) + ((response[2]! << 16) | (response[3]! << 8) | response[4]!);
  const expected = gmacTag(keys, peerSystemTitle, ic, ownChallenge);
  if (!constantTimeEqual(expected, response.subarray(5))) {
    throw new AssociationError('DLMS_ASSOCIATION_AUTHENTICATION', 'HLS-GMAC: the peer\'s reply to our challenge does not verify; wrong authentication or encryption key', 'authentication-failure');
  }
  return ic;
}

export function hlsActionParameter(response: Uint8Array): DlmsData {
  return Data.octetString(response);
}
