/**
 * The server side of the COSEM application layer for the simulated meter: one instance per
 * client association (per HDLC connection or per wrapper client wPort). It answers the AARQ
 * (LN, LN ciphered; none / LLS / HLS-GMAC per client SAP), GET normal / next / with-list with
 * block transfer when an answer exceeds the client's max PDU, SET (clock, with blocks), ACTION
 * reply_to_HLS_authentication, RLRQ, and refuses anything else with the standard's codes.
 */
import { randomBytes } from 'node:crypto';
import {
  AcseUserDiagnostic, ActionResult, ApduTag, ApplicationContext, AssociationResult, AuthenticationMechanism, ByteWriter, cipherApdu, Conformance,
  DataAccessResult, decipherApdu, decodeAarq, decodeActionRequest, decodeGetRequest, decodeInitiateRequest, decodeSetRequest, DlmsError,
  encodeAare, encodeActionResponse, encodeConfirmedServiceError, encodeData, encodeExceptionResponse, encodeGetResponse, encodeInitiateResponse,
  encodeRelease, encodeSetResponse, ExceptionServiceError, ExceptionStateError, formatObis, hlsGmacResponse, InitiateError, isCipheredApdu,
  verifyHlsGmac, writeDataResult, decodeData, dateTimeToUnix, decodeDateTime, type Aarq, type DataResult, type SecurityKeys, type DlmsData,
} from '@wattledger/protocol/dlms';
import { selectBuffer } from './profile-access.js';
import type { MeterModel } from './meter-model.js';

const SERVER_CONFORMANCE =
  Conformance.BLOCK_TRANSFER_WITH_GET_OR_READ | Conformance.BLOCK_TRANSFER_WITH_SET_OR_WRITE | Conformance.MULTIPLE_REFERENCES |
  Conformance.GET | Conformance.SET | Conformance.SELECTIVE_ACCESS | Conformance.ACTION | Conformance.PRIORITY_MGMT_SUPPORTED;
/** Room left in a response for ciphering and block framing. */
const RESERVE = 40;

type State = 'idle' | 'pending-hls' | 'associated';

export class ServerSession {
  readonly #meter: MeterModel;
  readonly #clientSap: number;
  #state: State = 'idle';
  #cipheredContext = false;
  #clientTitle: Uint8Array | undefined;
  #clientMaxPdu = 0xffff;
  #ctos: Uint8Array | undefined;
  #stoc: Uint8Array | undefined;
  #policy: 'none' | 'lls' | 'hls-gmac' = 'none';
  #dedicatedKey: Uint8Array | undefined;
  #pendingGet: { invokeId: number; raw: Uint8Array; offset: number; block: number } | undefined;
  #pendingSet: { invokeId: number; attribute: { classId: number; obis: Uint8Array; attribute: number }; parts: Uint8Array[]; block: number } | undefined;

  constructor(meter: MeterModel, clientSap: number) {
    this.#meter = meter;
    this.#clientSap = clientSap;
  }

  get state(): State {
    return this.#state;
  }

  /** The response to one request APDU (undefined: no answer, e.g. to a silent meter). */
  handle(apdu: Uint8Array): Uint8Array | undefined {
    if (this.#meter.options.silent) return undefined;
    const tag = apdu[0];
    try {
      if (tag === ApduTag.AARQ) return this.#aarq(apdu);
      if (tag === ApduTag.RLRQ) {
        this.#state = 'idle';
        return encodeRelease('RLRE', { reason: 0 });
      }
      if (isCipheredApdu(tag)) return this.#ciphered(apdu);
      if (this.#state === 'idle' || this.#cipheredContext) return exception(ExceptionStateError.SERVICE_NOT_ALLOWED, ExceptionServiceError.OPERATION_NOT_POSSIBLE);
      return this.#service(apdu);
    } catch (error) {
      if (error instanceof DlmsError) return exception(ExceptionStateError.SERVICE_NOT_ALLOWED, ExceptionServiceError.OTHER_REASON);
      throw error;
    }
  }

  #keys(): SecurityKeys {
    const keys = this.#meter.options.keys;
    if (keys === undefined) throw new TypeError('the simulated meter has no keys');
    return keys;
  }

  #aare(result: number, diagnostic: number, userInformation: Uint8Array | undefined, context: number, extra: { mechanism?: number; title?: boolean; value?: Uint8Array } = {}): Uint8Array {
    return encodeAare({
      applicationContext: context as 1,
      result,
      diagnosticSource: 'user',
      diagnostic,
      respondingApTitle: extra.title ? this.#meter.systemTitle : undefined,
      mechanism: extra.mechanism as 0 | undefined,
      respondingAuthenticationValue: extra.value,
      userInformation,
    });
  }

  #aarq(bytes: Uint8Array): Uint8Array {
    this.#state = 'idle';
    this.#pendingGet = undefined;
    let aarq: Aarq;
    try {
      aarq = decodeAarq(bytes);
    } catch {
      return this.#aare(AssociationResult.REJECTED_PERMANENT, AcseUserDiagnostic.NO_REASON_GIVEN, undefined, ApplicationContext.LN);
    }
    const context = aarq.applicationContext;
    const refuse = (diagnostic: number, userInformation?: Uint8Array): Uint8Array => this.#aare(AssociationResult.REJECTED_PERMANENT, diagnostic, userInformation, context);
    const policy = this.#meter.policyOf(this.#clientSap);
    if (policy === undefined) return refuse(AcseUserDiagnostic.NO_REASON_GIVEN);
    const ciphered = context === ApplicationContext.LN_CIPHERED;
    if ((context !== ApplicationContext.LN && !ciphered) || (ciphered && this.#meter.options.keys === undefined)) return refuse(AcseUserDiagnostic.APPLICATION_CONTEXT_NAME_NOT_SUPPORTED);
    let initiateBytes = aarq.userInformation;
    if (ciphered) {
      if (aarq.callingApTitle === undefined || aarq.callingApTitle.length !== 8) return refuse(AcseUserDiagnostic.CALLING_AP_TITLE_NOT_RECOGNIZED);
      try {
        const d = decipherApdu(initiateBytes, { keys: this.#keys(), peerSystemTitle: aarq.callingApTitle });
        if (d.invocationCounter <= this.#meter.lastClientInvocationCounter) throw new TypeError('replayed invocation counter');
        this.#meter.lastClientInvocationCounter = d.invocationCounter;
        initiateBytes = d.apdu;
      } catch {
        return refuse(AcseUserDiagnostic.NO_REASON_GIVEN, encodeConfirmedServiceError({ service: 1, errorClass: 6, code: InitiateError.OTHER }));
      }
    }
    let initiate;
    try {
      initiate = decodeInitiateRequest(initiateBytes);
    } catch {
      return refuse(AcseUserDiagnostic.NO_REASON_GIVEN, encodeConfirmedServiceError({ service: 1, errorClass: 6, code: InitiateError.OTHER }));
    }
    if ((initiate.dlmsVersion ?? 6) < 6) return refuse(AcseUserDiagnostic.NO_REASON_GIVEN, encodeConfirmedServiceError({ service: 1, errorClass: 6, code: InitiateError.DLMS_VERSION_TOO_LOW }));
    if (initiate.maxReceivePduSize !== 0 && initiate.maxReceivePduSize < 64) return refuse(AcseUserDiagnostic.NO_REASON_GIVEN, encodeConfirmedServiceError({ service: 1, errorClass: 6, code: InitiateError.PDU_SIZE_TOO_SHORT }));
    const mechanism = aarq.mechanism ?? AuthenticationMechanism.NONE;
    if (policy === 'lls') {
      if (mechanism !== AuthenticationMechanism.LLS) return refuse(AcseUserDiagnostic.AUTHENTICATION_MECHANISM_NAME_REQUIRED);
      const password = new TextDecoder().decode(aarq.callingAuthenticationValue ?? new Uint8Array(0));
      if (password !== (this.#meter.options.password ?? '00000000')) return refuse(AcseUserDiagnostic.AUTHENTICATION_FAILURE);
    }
    if (policy === 'hls-gmac') {
      if (mechanism !== AuthenticationMechanism.HLS_GMAC) return refuse(AcseUserDiagnostic.AUTHENTICATION_MECHANISM_NAME_REQUIRED);
      if (aarq.callingApTitle === undefined || aarq.callingApTitle.length !== 8) return refuse(AcseUserDiagnostic.CALLING_AP_TITLE_NOT_RECOGNIZED);
      const ctos = aarq.callingAuthenticationValue;
      if (ctos === undefined || ctos.length < 8 || ctos.length > 64 || this.#meter.options.keys === undefined) return refuse(AcseUserDiagnostic.AUTHENTICATION_FAILURE);
      this.#ctos = ctos;
      this.#stoc = new Uint8Array(randomBytes(16));
    }
    this.#policy = policy;
    this.#cipheredContext = ciphered;
    this.#clientTitle = aarq.callingApTitle;
    this.#dedicatedKey = initiate.dedicatedKey;
    this.#clientMaxPdu = initiate.maxReceivePduSize === 0 ? 0xffff : initiate.maxReceivePduSize;
    let response = encodeInitiateResponse({ conformance: initiate.conformance & SERVER_CONFORMANCE, maxReceivePduSize: this.#meter.options.maxPduSize ?? 1024 });
    if (ciphered) response = cipherApdu(response, { style: 'service-specific', securityControl: 0x30, systemTitle: this.#meter.systemTitle, invocationCounter: this.#meter.invocationCounter++, keys: this.#keys() });
    if (policy === 'hls-gmac') {
      this.#state = 'pending-hls';
      return this.#aare(AssociationResult.ACCEPTED, AcseUserDiagnostic.AUTHENTICATION_REQUIRED, response, context, { mechanism: AuthenticationMechanism.HLS_GMAC, title: true, value: this.#stoc });
    }
    this.#state = 'associated';
    return this.#aare(AssociationResult.ACCEPTED, AcseUserDiagnostic.NULL, response, context, { title: ciphered });
  }

  #ciphered(apdu: Uint8Array): Uint8Array {
    if (this.#state === 'idle' || !this.#cipheredContext) return exception(ExceptionStateError.SERVICE_NOT_ALLOWED, ExceptionServiceError.OPERATION_NOT_POSSIBLE);
    let d;
    try {
      d = decipherApdu(apdu, { keys: this.#keys(), dedicatedKey: this.#dedicatedKey, peerSystemTitle: this.#clientTitle });
    } catch {
      return exception(ExceptionStateError.SERVICE_NOT_ALLOWED, ExceptionServiceError.DECIPHERING_ERROR);
    }
    if (d.invocationCounter <= this.#meter.lastClientInvocationCounter) {
      return encodeExceptionResponse({ stateError: ExceptionStateError.SERVICE_NOT_ALLOWED, serviceError: ExceptionServiceError.INVOCATION_COUNTER_ERROR, invocationCounter: this.#meter.lastClientInvocationCounter + 1 });
    }
    this.#meter.lastClientInvocationCounter = d.invocationCounter;
    const plain = this.#service(d.apdu);
    if (plain[0] === ApduTag.EXCEPTION_RESPONSE) return plain;
    const keys = d.dedicated ? { ...this.#keys(), encryptionKey: this.#dedicatedKey! } : this.#keys();
    return cipherApdu(plain, { style: d.style, dedicated: d.dedicated, securityControl: d.securityControl, systemTitle: this.#meter.systemTitle, invocationCounter: this.#meter.invocationCounter++, keys });
  }

  #service(apdu: Uint8Array): Uint8Array {
    switch (apdu[0]) {
      case ApduTag.GET_REQUEST:
        return this.#get(apdu);
      case ApduTag.SET_REQUEST:
        return this.#set(apdu);
      case ApduTag.ACTION_REQUEST:
        return this.#action(apdu);
      default:
        return exception(ExceptionStateError.SERVICE_UNKNOWN, ExceptionServiceError.SERVICE_NOT_SUPPORTED);
    }
  }

  #read(classId: number, ln: Uint8Array, attribute: number, access?: { selector: number; parameters: DlmsData }): DataResult {
    if (this.#state !== 'associated') return { error: DataAccessResult.READ_WRITE_DENIED };
    const obis = formatObis(ln);
    const known = this.#meter.classOf(obis);
    if (known === undefined) return { error: DataAccessResult.OBJECT_UNDEFINED };
    if (known !== classId) return { error: DataAccessResult.OBJECT_CLASS_INCONSISTENT };
    if (access !== undefined) {
      if (classId !== 7 || attribute !== 2) return { error: DataAccessResult.OTHER_REASON };
      return selectBuffer(this.#meter, access);
    }
    if (classId === 7 && attribute === 2) return selectBuffer(this.#meter, { selector: 2, parameters: { type: 'structure', items: [{ type: 'double-long-unsigned', value: 1 }, { type: 'double-long-unsigned', value: 0 }, { type: 'long-unsigned', value: 1 }, { type: 'long-unsigned', value: 0 }] } });
    if (classId === 15 && attribute === 2) return { data: this.#meter.objectList() };
    if (classId === 15 && attribute === 3) return { data: { type: 'structure', items: [{ type: 'integer', value: this.#clientSap }, { type: 'long-unsigned', value: 1 }] } };
    if (classId === 15 && attribute === 8) return { data: { type: 'enum', value: 2 } };
    const data = this.#meter.attribute(classId, obis, attribute);
    return data === undefined ? { error: DataAccessResult.OBJECT_UNAVAILABLE } : { data };
  }

  #get(bytes: Uint8Array): Uint8Array {
    const req = decodeGetRequest(bytes);
    if (req.kind === 'next') {
      const p = this.#pendingGet;
      if (p === undefined || (p.invokeId & 0x0f) !== (req.invokeId & 0x0f)) return encodeGetResponse({ kind: 'block', invokeId: req.invokeId, last: true, block: req.block, error: DataAccessResult.NO_LONG_GET_IN_PROGRESS });
      if (req.block !== p.block) return encodeGetResponse({ kind: 'block', invokeId: req.invokeId, last: true, block: req.block, error: DataAccessResult.DATA_BLOCK_NUMBER_INVALID });
      return this.#nextBlock();
    }
    this.#pendingGet = undefined;
    let whole: Uint8Array;
    let raw: Uint8Array;
    if (req.kind === 'normal') {
      const result = this.#read(req.attribute.classId, req.attribute.obis, req.attribute.attribute, req.access);
      whole = encodeGetResponse({ kind: 'normal', invokeId: req.invokeId, result });
      if (result.error !== undefined || whole.length <= this.#sendLimit()) return whole;
      raw = encodeData(result.data);
    } else {
      const results = req.attributes.map((a) => this.#read(a.attribute.classId, a.attribute.obis, a.attribute.attribute, a.access));
      whole = encodeGetResponse({ kind: 'with-list', invokeId: req.invokeId, results });
      if (whole.length <= this.#sendLimit()) return whole;
      const w = new ByteWriter(whole.length).berLength(results.length);
      for (const r of results) writeDataResult(w, r);
      raw = w.finish();
    }
    this.#pendingGet = { invokeId: req.invokeId, raw, offset: 0, block: 0 };
    return this.#nextBlock();
  }

  /** The largest response APDU: the client's max receive PDU, and the meter's own buffer. */
  #sendLimit(): number {
    return Math.max(32, Math.min(this.#clientMaxPdu, this.#meter.options.maxPduSize ?? 1024) - RESERVE);
  }

  #nextBlock(): Uint8Array {
    const p = this.#pendingGet!;
    const size = this.#sendLimit();
    const chunk = p.raw.subarray(p.offset, p.offset + size);
    p.offset += chunk.length;
    p.block++;
    const last = p.offset >= p.raw.length;
    if (last) this.#pendingGet = undefined;
    return encodeGetResponse({ kind: 'block', invokeId: p.invokeId, last, block: p.block, raw: chunk });
  }

  #set(bytes: Uint8Array): Uint8Array {
    const req = decodeSetRequest(bytes);
    if (req.kind === 'with-list') return encodeSetResponse({ kind: 'with-list', invokeId: req.invokeId, results: req.values.map(() => DataAccessResult.READ_WRITE_DENIED) });
    if (req.kind === 'first-block') this.#pendingSet = { invokeId: req.invokeId, attribute: req.attribute, parts: [], block: 0 };
    if (req.kind === 'first-block' || req.kind === 'block') {
      const p = this.#pendingSet;
      if (p === undefined || req.block !== p.block + 1) return encodeSetResponse({ kind: 'last-block', invokeId: req.invokeId, result: DataAccessResult.DATA_BLOCK_NUMBER_INVALID, block: req.block });
      p.parts.push(req.raw);
      p.block = req.block;
      if (!req.last) return encodeSetResponse({ kind: 'block', invokeId: req.invokeId, block: req.block });
      this.#pendingSet = undefined;
      const total = new Uint8Array(p.parts.reduce((n, x) => n + x.length, 0));
      let at = 0;
      for (const x of p.parts) {
        total.set(x, at);
        at += x.length;
      }
      const result = this.#write(p.attribute.classId, p.attribute.obis, p.attribute.attribute, decodeData(total));
      return encodeSetResponse({ kind: 'last-block', invokeId: req.invokeId, result, block: req.block });
    }
    return encodeSetResponse({ kind: 'normal', invokeId: req.invokeId, result: this.#write(req.attribute.classId, req.attribute.obis, req.attribute.attribute, req.value) });
  }

  /** Only the clock time is writable, and only by an HLS-authenticated client. */
  #write(classId: number, ln: Uint8Array, attribute: number, value: DlmsData): number {
    if (this.#state !== 'associated') return DataAccessResult.READ_WRITE_DENIED;
    const obis = formatObis(ln);
    if (this.#meter.classOf(obis) === undefined) return DataAccessResult.OBJECT_UNDEFINED;
    if (classId !== 8 || attribute !== 2 || this.#policy !== 'hls-gmac') return DataAccessResult.READ_WRITE_DENIED;
    if (value.type !== 'octet-string' || value.value.length !== 12) return DataAccessResult.TYPE_UNMATCHED;
    const t = dateTimeToUnix(decodeDateTime(value.value));
    if (t === undefined) return DataAccessResult.OTHER_REASON;
    this.#meter.setClock(t);
    return DataAccessResult.SUCCESS;
  }

  #action(bytes: Uint8Array): Uint8Array {
    const req = decodeActionRequest(bytes);
    const obis = formatObis(req.method.obis);
    const hls = req.method.classId === 15 && obis === '0.0.40.0.0.255' && req.method.method === 1;
    if (!hls) {
      const result = this.#meter.classOf(obis) === undefined ? ActionResult.OBJECT_UNDEFINED : ActionResult.READ_WRITE_DENIED;
      return encodeActionResponse({ invokeId: req.invokeId, result });
    }
    if (this.#state !== 'pending-hls' || req.parameters?.type !== 'octet-string') return encodeActionResponse({ invokeId: req.invokeId, result: ActionResult.READ_WRITE_DENIED });
    try {
      verifyHlsGmac(this.#keys(), this.#clientTitle!, this.#stoc!, req.parameters.value);
    } catch {
      return encodeActionResponse({ invokeId: req.invokeId, result: ActionResult.READ_WRITE_DENIED });
    }
    this.#state = 'associated';
    const reply = hlsGmacResponse(this.#keys(), this.#meter.systemTitle, this.#meter.invocationCounter++, this.#ctos!);
    return encodeActionResponse({ invokeId: req.invokeId, result: ActionResult.SUCCESS, returned: { data: { type: 'octet-string', value: reply } } });
  }
}

function exception(stateError: number, serviceError: number): Uint8Array {
  return encodeExceptionResponse({ stateError, serviceError });
}
