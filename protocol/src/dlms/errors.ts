/**
 * Errors of the DLMS/COSEM stack (IEC 62056). Every failure names the layer it comes from
 * (HDLC, wrapper, mode E, A-XDR, APDU, association, access, security, profile, transport) and has
 * a stable `code` of the form `DLMS_<LAYER>_<WHAT>`, so an operator sees which layer failed and,
 * where the meter gave one, the meter's own reason. Argument misuse throws TypeError/RangeError.
 */
import { CodedError } from '../errors.js';

export const DlmsLayer = Object.freeze({
  HDLC: 'HDLC',
  WRAPPER: 'WRAPPER',
  MODE_E: 'MODE_E',
  AXDR: 'AXDR',
  APDU: 'APDU',
  ASSOCIATION: 'ASSOCIATION',
  ACCESS: 'ACCESS',
  SECURITY: 'SECURITY',
  PROFILE: 'PROFILE',
  TRANSPORT: 'TRANSPORT',
} as const);
export type DlmsLayer = (typeof DlmsLayer)[keyof typeof DlmsLayer];

export class DlmsError extends CodedError {
  readonly layer: DlmsLayer;
  constructor(layer: DlmsLayer, code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.layer = layer;
  }
}

/** Link layer (IEC 62056-46): bad frames, rejected frames, disconnection, silence. */
export class HdlcError extends DlmsError {
  constructor(code: HdlcErrorCode, message: string, options?: { cause?: unknown }) {
    super(DlmsLayer.HDLC, code, message, options);
  }
}
export const HdlcErrorCode = Object.freeze({
  BAD_FRAME: 'DLMS_HDLC_BAD_FRAME',
  TIMEOUT: 'DLMS_HDLC_TIMEOUT',
  FRAME_REJECTED: 'DLMS_HDLC_FRAME_REJECTED',
  DISCONNECTED: 'DLMS_HDLC_DISCONNECTED',
  REFUSED: 'DLMS_HDLC_REFUSED',
  PROTOCOL: 'DLMS_HDLC_PROTOCOL',
  TOO_LONG: 'DLMS_HDLC_TOO_LONG',
} as const);
export type HdlcErrorCode = (typeof HdlcErrorCode)[keyof typeof HdlcErrorCode];

/** TCP/UDP wrapper (IEC 62056-47). */
export class WrapperError extends DlmsError {
  constructor(code: 'DLMS_WRAPPER_BAD_HEADER' | 'DLMS_WRAPPER_TOO_LONG' | 'DLMS_WRAPPER_BAD_PORT', message: string, options?: { cause?: unknown }) {
    super(DlmsLayer.WRAPPER, code, message, options);
  }
}

/** IEC 62056-21 mode E opening on an optical probe. */
export class ModeEError extends DlmsError {
  constructor(code: 'DLMS_MODE_E_BAD_IDENTIFICATION' | 'DLMS_MODE_E_NO_HDLC' | 'DLMS_MODE_E_TIMEOUT', message: string, options?: { cause?: unknown }) {
    super(DlmsLayer.MODE_E, code, message, options);
  }
}

/** A-XDR data (IEC 62056-6-2 / DLMS UA Blue Book Data type). */
export class AxdrError extends DlmsError {
  constructor(code: 'DLMS_AXDR_TRUNCATED' | 'DLMS_AXDR_BAD_TAG' | 'DLMS_AXDR_BAD_VALUE' | 'DLMS_AXDR_TOO_DEEP', message: string, options?: { cause?: unknown }) {
    super(DlmsLayer.AXDR, code, message, options);
  }
}

/** xDLMS / ACSE APDU structure (IEC 62056-5-3). */
export class ApduError extends DlmsError {
  constructor(code: 'DLMS_APDU_TRUNCATED' | 'DLMS_APDU_BAD_TAG' | 'DLMS_APDU_MALFORMED' | 'DLMS_APDU_UNEXPECTED' | 'DLMS_APDU_EXCEPTION', message: string, options?: { cause?: unknown }) {
    super(DlmsLayer.APDU, code, message, options);
  }
}

/** The meter refused or broke the application association (AARE result, HLS pass 3/4). */
export class AssociationError extends DlmsError {
  /** The meter's diagnostic, e.g. "authentication-failure", when it gave one. */
  readonly reason: string | undefined;
  constructor(code: 'DLMS_ASSOCIATION_REJECTED' | 'DLMS_ASSOCIATION_AUTHENTICATION' | 'DLMS_ASSOCIATION_NOT_ASSOCIATED', message: string, reason?: string, options?: { cause?: unknown }) {
    super(DlmsLayer.ASSOCIATION, code, message, options);
    this.reason = reason;
  }
}

/** The meter answered a GET/SET/ACTION with a data-access-result or an exception. */
export class AccessError extends DlmsError {
  /** The meter's data-access-result / action-result name, e.g. "object-undefined". */
  readonly reason: string;
  readonly result: number;
  constructor(code: 'DLMS_ACCESS_DENIED' | 'DLMS_ACCESS_FAILED' | 'DLMS_ACCESS_EXCEPTION', message: string, reason: string, result: number, options?: { cause?: unknown }) {
    super(DlmsLayer.ACCESS, code, message, options);
    this.reason = reason;
    this.result = result;
  }
}

/** Ciphering, authentication tags, invocation counters (security suite 0). */
export class SecurityError extends DlmsError {
  constructor(code: 'DLMS_SECURITY_BAD_TAG' | 'DLMS_SECURITY_REPLAY' | 'DLMS_SECURITY_UNSUPPORTED' | 'DLMS_SECURITY_NO_KEY', message: string, options?: { cause?: unknown }) {
    super(DlmsLayer.SECURITY, code, message, options);
  }
}

/** Profile generic buffers that do not match their capture objects. */
export class ProfileError extends DlmsError {
  constructor(code: 'DLMS_PROFILE_BAD_BUFFER' | 'DLMS_PROFILE_NO_CLOCK', message: string, options?: { cause?: unknown }) {
    super(DlmsLayer.PROFILE, code, message, options);
  }
}
