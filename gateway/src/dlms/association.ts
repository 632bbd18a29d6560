/**
 * Building the AARQ and judging the AARE for a client (IEC 62056-5-3 §7.2, Green Book
 * §9.4.2): application context (LN or LN ciphered), authentication (none, LLS password,
 * HLS-GMAC challenge), the xDLMS InitiateRequest (plain or glo-ciphered), and the meter's
 * answer turned into negotiated parameters or an AssociationError carrying its reason.
 */
import {
  acseDiagnosticName, ApplicationContext, AssociationError, AssociationResult, AuthenticationMechanism, cipherApdu, decipherApdu,
  decodeAare, decodeConfirmedServiceError, decodeInitiateResponse, DEFAULT_CLIENT_CONFORMANCE, encodeAarq, encodeInitiateRequest, initiateErrorName,
  ApduTag, AcseUserDiagnostic, type Aare, type SecurityKeys,
} from '@wattledger/protocol/dlms';

export type Authentication = 'none' | 'lls' | 'hls-gmac';

export interface SecurityOptions {
  /** The client's system title (8 bytes). */
  readonly systemTitle: Uint8Array;
  readonly keys: SecurityKeys;
  /** 0x30 authenticated and encrypted (default), 0x10 authenticated, 0x20 encrypted. */
  readonly securityControl?: number;
  /** service-specific glo-/ded- APDUs (default) or general-glo-ciphering. */
  readonly ciphering?: 'service-specific' | 'general';
  /** First invocation counter to use; meters refuse counters they have seen. */
  readonly invocationCounter?: number;
  /** Proposed dedicated key (unicast), used for ded- ciphering after the association. */
  readonly dedicatedKey?: Uint8Array;
  /**
   * false: plain LN context, the keys serve HLS-GMAC authentication only; true (default): the
   * ciphered LN context, every xDLMS APDU protected.
   */
  readonly cipherApdus?: boolean;
}

export interface AssociationOptions {
  readonly authentication?: Authentication;
  /** LLS secret. */
  readonly password?: string | Uint8Array;
  /** Present: ciphered application context (LN with ciphering). */
  readonly security?: SecurityOptions;
  readonly conformance?: number;
  readonly maxReceivePduSize?: number;
}

export interface AarqPlan {
  readonly aarq: Uint8Array;
  /** CtoS, for HLS. */
  readonly challenge?: Uint8Array | undefined;
  /** Invocation counter consumed by the glo-initiate-request. */
  readonly usedInvocationCounter?: number | undefined;
}

export interface Negotiated {
  readonly conformance: number;
  readonly serverMaxReceivePduSize: number;
  readonly serverSystemTitle?: Uint8Array | undefined;
  /** StoC, when the meter asked for HLS pass 3/4. */
  readonly serverChallenge?: Uint8Array | undefined;
  readonly authenticationPending: boolean;
  /** The meter's invocation counter on the glo-initiate-response. */
  readonly serverInvocationCounter?: number | undefined;
}

const MECHANISM: Record<Authentication, number> = { none: AuthenticationMechanism.NONE, lls: AuthenticationMechanism.LLS, 'hls-gmac': AuthenticationMechanism.HLS_GMAC };

export function buildAarq(options: AssociationOptions, invocationCounter: number, randomBytes: (n: number) => Uint8Array): AarqPlan {
  const authentication = options.authentication ?? 'none';
  const security = options.security;
  const ciphered = security !== undefined && security.cipherApdus !== false;
  if (authentication === 'hls-gmac' && security === undefined) throw new TypeError('HLS-GMAC needs security options: the client system title and the keys');
  if (authentication === 'lls' && options.password === undefined) throw new TypeError('LLS needs a password');
  const initiate = encodeInitiateRequest({
    dedicatedKey: ciphered ? security?.dedicatedKey : undefined,
    conformance: options.conformance ?? DEFAULT_CLIENT_CONFORMANCE,
    maxReceivePduSize: options.maxReceivePduSize ?? 0xffff,
  });
  let userInformation = initiate;
  let usedInvocationCounter: number | undefined;
  if (ciphered) {
    usedInvocationCounter = invocationCounter;
    userInformation = cipherApdu(initiate, {
      style: 'service-specific',
      securityControl: security!.securityControl ?? 0x30,
      systemTitle: security!.systemTitle,
      invocationCounter,
      keys: security!.keys,
    });
  }
  let value: Uint8Array | undefined;
  let challenge: Uint8Array | undefined;
  if (authentication === 'lls') value = typeof options.password === 'string' ? new TextEncoder().encode(options.password) : options.password;
  if (authentication === 'hls-gmac') value = challenge = randomBytes(16);
  const aarq = encodeAarq({
    applicationContext: ciphered ? ApplicationContext.LN_CIPHERED : ApplicationContext.LN,
    callingApTitle: security?.systemTitle,
    mechanism: MECHANISM[authentication] as 0,
    callingAuthenticationValue: value,
    userInformation,
  });
  return { aarq, challenge, usedInvocationCounter };
}

function reject(aare: Aare, detail: string): never {
  const reason = acseDiagnosticName(aare.diagnosticSource, aare.diagnostic);
  const auth = aare.diagnostic === AcseUserDiagnostic.AUTHENTICATION_FAILURE || aare.diagnostic === AcseUserDiagnostic.AUTHENTICATION_MECHANISM_NAME_REQUIRED;
  throw new AssociationError(
    auth ? 'DLMS_ASSOCIATION_AUTHENTICATION' : 'DLMS_ASSOCIATION_REJECTED',
    `association refused by the meter (${aare.result === AssociationResult.REJECTED_TRANSIENT ? 'transient' : 'permanent'}): ${reason}${detail}`,
    reason,
  );
}

/** Checks the AARE and returns what was agreed. */
export function judgeAare(bytes: Uint8Array, options: AssociationOptions): Negotiated {
  const aare = decodeAare(bytes);
  let userInformation = aare.userInformation;
  let serverInvocationCounter: number | undefined;
  if (userInformation !== undefined && (userInformation[0] === ApduTag.GLO_INITIATE_RESPONSE || userInformation[0] === ApduTag.DED_INITIATE_RESPONSE)) {
    if (options.security === undefined) throw new AssociationError('DLMS_ASSOCIATION_REJECTED', 'the meter answered with a ciphered InitiateResponse but no keys are configured');
    const deciphered = decipherApdu(userInformation, { keys: options.security.keys, dedicatedKey: options.security.dedicatedKey, peerSystemTitle: aare.respondingApTitle });
    userInformation = deciphered.apdu;
    serverInvocationCounter = deciphered.invocationCounter;
  }
  if (aare.result !== AssociationResult.ACCEPTED) {
    let detail = '';
    if (userInformation?.[0] === ApduTag.CONFIRMED_SERVICE_ERROR) detail = `; xDLMS: ${initiateErrorName(decodeConfirmedServiceError(userInformation).code)}`;
    reject(aare, detail);
  }
  if (userInformation === undefined || userInformation[0] !== ApduTag.INITIATE_RESPONSE) {
    throw new AssociationError('DLMS_ASSOCIATION_REJECTED', 'the meter accepted the association without an InitiateResponse');
  }
  const initiate = decodeInitiateResponse(userInformation);
  const pending = aare.diagnostic === AcseUserDiagnostic.AUTHENTICATION_REQUIRED;
  if (pending && (options.authentication ?? 'none') !== 'hls-gmac') {
    throw new AssociationError('DLMS_ASSOCIATION_AUTHENTICATION', 'the meter asks for HLS authentication, but the client is not configured for HLS-GMAC', 'authentication-required');
  }
  if (pending && (aare.respondingAuthenticationValue === undefined || aare.respondingApTitle === undefined)) {
    throw new AssociationError('DLMS_ASSOCIATION_AUTHENTICATION', 'HLS-GMAC: the AARE lacks the server challenge or system title', 'authentication-failure');
  }
  return {
    conformance: initiate.conformance,
    serverMaxReceivePduSize: initiate.maxReceivePduSize,
    serverSystemTitle: aare.respondingApTitle,
    serverChallenge: aare.respondingAuthenticationValue,
    authenticationPending: pending,
    serverInvocationCounter,
  };
}
