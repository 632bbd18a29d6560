/**
 * The client side of the COSEM application layer (IEC 62056-5-3) over any ApduChannel:
 * association (LN, LLS, HLS-GMAC, ciphered contexts), GET with block transfer, GET-with-list,
 * SET (with block transfer for long values), ACTION, profile generic reads and the
 * association's object list. Every failure is a DlmsError naming its layer; a refusal by the
 * meter carries the meter's own reason (data-access-result, exception, ACSE diagnostic).
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import {
  AccessError, actionResultName, ApduError, ApduTag, apduName, AssociationError, attributeRef, ByteReader, cipherApdu, CosemClass,
  Data, dataAccessResultName, DataAccessResult, decipherApdu, decodeActionResponse, decodeCaptureObjects, decodeData, decodeExceptionResponse,
  decodeGetResponse, decodeProfileBuffer, decodeRelease, decodeSetResponse, describeAttribute, describeException, encodeActionRequest, encodeData,
  encodeGetRequest, encodeRelease, encodeSetRequest, entryAccess, formatObis, hlsGmacResponse, invokeIdAndPriority, isCipheredApdu, methodRef,
  rangeAccess, readDataResult, SecurityError, verifyHlsGmac, Conformance,
  type AttributeReference, type AttributeWithSelection, type CaptureObject, type DataResult, type DlmsData, type MethodReference,
  type ProfileRow, type SelectiveAccess,
} from '@wattledger/protocol/dlms';
import { concatBytes } from '@wattledger/protocol';
import { buildAarq, judgeAare, type AssociationOptions, type Negotiated } from './association.js';
import type { ApduChannel } from './channel.js';

export interface Progress {
  /** Bytes of response data received so far. */
  readonly bytes: number;
  /** GET data blocks received so far (1 for an answer in one piece). */
  readonly blocks: number;
}
export type ProgressListener = (progress: Progress) => void;

export interface SessionOptions extends AssociationOptions {
  /** Random source for HLS challenges (default node:crypto). */
  readonly randomBytes?: (n: number) => Uint8Array;
}

export type ProfileSelection =
  | { readonly from: number; readonly to: number; readonly deviation?: number }
  | { readonly fromEntry: number; readonly toEntry?: number; readonly fromColumn?: number; readonly toColumn?: number };

export interface ProfileReading {
  readonly obis: string;
  readonly columns: readonly CaptureObject[];
  readonly capturePeriod: number;
  readonly rows: readonly ProfileRow[];
}

export interface ObjectListEntry {
  readonly classId: number;
  readonly version: number;
  readonly obis: string;
}

const ASSOCIATION_LN = '0.0.40.0.0.255';
/** Bytes a ciphered, block-framed APDU adds around its data (tag, lengths, SC, IC, tag). */
const FRAMING_RESERVE = 40;

export class DlmsSession {
  readonly #channel: ApduChannel;
  readonly #options: SessionOptions;
  readonly #random: (n: number) => Uint8Array;
  #invokeId = 0;
  #ic: number;
  #serverIc: number | undefined;
  #negotiated: Negotiated | undefined;
  #associated = false;
  readonly #profiles = new Map<string, { columns: CaptureObject[]; capturePeriod: number }>();

  constructor(channel: ApduChannel, options: SessionOptions = {}) {
    this.#channel = channel;
    this.#options = options;
    this.#random = options.randomBytes ?? ((n) => new Uint8Array(nodeRandomBytes(n)));
    this.#ic = options.security?.invocationCounter ?? 1;
  }

  get associated(): boolean {
    return this.#associated;
  }

  get negotiated(): Negotiated | undefined {
    return this.#negotiated;
  }

  /** The next invocation counter this client will use; persist it between sessions. */
  get invocationCounter(): number {
    return this.#ic;
  }

  get description(): string {
    return this.#channel.description;
  }

  async associate(): Promise<Negotiated> {
    const plan = buildAarq(this.#options, this.#ic, this.#random);
    if (plan.usedInvocationCounter !== undefined) this.#ic++;
    const answer = await this.#channel.request(plan.aarq);
    if (answer[0] === ApduTag.EXCEPTION_RESPONSE) this.#exception(answer, 'AARQ');
    if (answer[0] !== ApduTag.AARE) throw new ApduError('DLMS_APDU_UNEXPECTED', `the meter answered the AARQ with ${apduName(answer[0])}`);
    const negotiated = judgeAare(answer, this.#options);
    this.#negotiated = negotiated;
    this.#serverIc = negotiated.serverInvocationCounter;
    this.#associated = true;
    if (negotiated.authenticationPending) await this.#hlsPass3(plan.challenge!, negotiated);
    return negotiated;
  }

  async #hlsPass3(challenge: Uint8Array, negotiated: Negotiated): Promise<void> {
    const security = this.#options.security!;
    const reply = hlsGmacResponse(security.keys, security.systemTitle, this.#ic++, negotiated.serverChallenge!);
    let answer: DlmsData | undefined;
    try {
      answer = await this.action(methodRef(CosemClass.ASSOCIATION_LN, ASSOCIATION_LN, 1), Data.octetString(reply));
    } catch (error) {
      this.#associated = false;
      if (error instanceof AccessError) {
        throw new AssociationError('DLMS_ASSOCIATION_AUTHENTICATION', `HLS-GMAC: the meter rejected our reply to its challenge (${error.reason}); check the authentication key and the client system title`, error.reason, { cause: error });
      }
      throw error;
    }
    if (answer?.type !== 'octet-string') {
      this.#associated = false;
      throw new AssociationError('DLMS_ASSOCIATION_AUTHENTICATION', 'HLS-GMAC: the meter did not return its reply to our challenge', 'authentication-failure');
    }
    try {
      verifyHlsGmac(security.keys, negotiated.serverSystemTitle!, challenge, answer.value);
    } catch (error) {
      this.#associated = false;
      throw error;
    }
  }

  /** GET one attribute; long answers are collected over GET-Request-Next blocks. */
  async get(attribute: AttributeReference, access?: SelectiveAccess, onProgress?: ProgressListener): Promise<DlmsData> {
    const invokeId = this.#nextInvokeId();
    const first = decodeGetResponse(await this.#exchange(encodeGetRequest({ kind: 'normal', invokeId, attribute, access }), onProgress, 0, 1));
    this.#checkInvokeId(first.invokeId, invokeId);
    if (first.kind === 'normal') return dataOf(first.result, `GET ${describeAttribute(attribute)}`);
    const raw = await this.#collectBlocks(first, invokeId, `GET ${describeAttribute(attribute)}`, onProgress);
    return decodeData(raw);
  }

  /** GET several attributes in one request (needs the multiple-references conformance bit). */
  async getWithList(attributes: readonly AttributeWithSelection[], onProgress?: ProgressListener): Promise<DataResult[]> {
    if (this.#negotiated && (this.#negotiated.conformance & Conformance.MULTIPLE_REFERENCES) === 0) {
      const results: DataResult[] = [];
      for (const a of attributes) {
        try {
          results.push({ data: await this.get(a.attribute, a.access) });
        } catch (error) {
          if (!(error instanceof AccessError) || error.code === 'DLMS_ACCESS_EXCEPTION') throw error;
          results.push({ error: error.result });
        }
      }
      return results;
    }
    const invokeId = this.#nextInvokeId();
    const first = decodeGetResponse(await this.#exchange(encodeGetRequest({ kind: 'with-list', invokeId, attributes }), onProgress, 0, 1));
    this.#checkInvokeId(first.invokeId, invokeId);
    if (first.kind === 'with-list') return [...first.results];
    if (first.kind !== 'block') throw new ApduError('DLMS_APDU_UNEXPECTED', `GET-with-list answered with a ${first.kind} response`);
    const r = new ByteReader(await this.#collectBlocks(first, invokeId, 'GET-with-list', onProgress), { layer: 'APDU', what: 'GET-with-list blocks' });
    const n = r.length();
    const results: DataResult[] = [];
    for (let i = 0; i < n; i++) results.push(readDataResult(r));
    r.done();
    return results;
  }

  async set(attribute: AttributeReference, value: DlmsData, access?: SelectiveAccess): Promise<void> {
    const what = `SET ${describeAttribute(attribute)}`;
    const invokeId = this.#nextInvokeId();
    const normal = encodeSetRequest({ kind: 'normal', invokeId, attribute, access, value });
    const limit = (this.#negotiated?.serverMaxReceivePduSize || 0xffff) - FRAMING_RESERVE;
    if (normal.length <= limit) {
      const res = decodeSetResponse(await this.#exchange(normal));
      this.#checkInvokeId(res.invokeId, invokeId);
      if (res.kind !== 'normal') throw new ApduError('DLMS_APDU_UNEXPECTED', `${what}: ${res.kind} response to a normal SET`);
      return checkResult(res.result, what);
    }
    const raw = encodeData(value);
    const chunk = Math.max(16, limit - 20);
    for (let block = 1, at = 0; at < raw.length; block++, at += chunk) {
      const last = at + chunk >= raw.length;
      const part = raw.subarray(at, at + chunk);
      const request = block === 1
        ? encodeSetRequest({ kind: 'first-block', invokeId, attribute, access, last, block, raw: part })
        : encodeSetRequest({ kind: 'block', invokeId, last, block, raw: part });
      const res = decodeSetResponse(await this.#exchange(request));
      this.#checkInvokeId(res.invokeId, invokeId);
      if (last) {
        if (res.kind !== 'last-block') throw new ApduError('DLMS_APDU_UNEXPECTED', `${what}: ${res.kind} response to the last block`);
        return checkResult(res.result, what);
      }
      if (res.kind === 'normal' || res.kind === 'last-block') return checkResult(res.result === 0 ? DataAccessResult.OTHER_REASON : res.result, what);
      if (res.kind !== 'block' || res.block !== block) throw new ApduError('DLMS_APDU_UNEXPECTED', `${what}: block ${block} not acknowledged`);
    }
  }

  async action(method: MethodReference, parameters?: DlmsData): Promise<DlmsData | undefined> {
    const what = `ACTION ${formatObis(method.obis)} (class ${method.classId}, method ${method.method})`;
    const invokeId = this.#nextInvokeId();
    const res = decodeActionResponse(await this.#exchange(encodeActionRequest({ invokeId, method, parameters })));
    this.#checkInvokeId(res.invokeId, invokeId);
    if (res.result !== 0) {
      const reason = actionResultName(res.result);
      throw new AccessError(res.result === DataAccessResult.READ_WRITE_DENIED ? 'DLMS_ACCESS_DENIED' : 'DLMS_ACCESS_FAILED', `${what}: the meter answered ${reason}`, reason, res.result);
    }
    return res.returned === undefined ? undefined : dataOf(res.returned, what);
  }

  /** Capture objects (attribute 3) and capture period (attribute 4) of a profile, cached. */
  async profileLayout(obis: string): Promise<{ columns: CaptureObject[]; capturePeriod: number }> {
    const cached = this.#profiles.get(obis);
    if (cached) return cached;
    const [columns, period] = await this.getWithList([
      { attribute: attributeRef(CosemClass.PROFILE_GENERIC, obis, 3) },
      { attribute: attributeRef(CosemClass.PROFILE_GENERIC, obis, 4) },
    ]);
    const layout = {
      columns: decodeCaptureObjects(dataOf(columns!, `GET ${obis} capture_objects`)),
      capturePeriod: Number((dataOf(period!, `GET ${obis} capture_period`) as { value: number }).value ?? 0),
    };
    this.#profiles.set(obis, layout);
    return layout;
  }

  /** Reads profile entries by clock range (Unix seconds, inclusive) or by entry numbers. */
  async readProfile(obis: string, selection: ProfileSelection, options: { columns?: readonly CaptureObject[]; onProgress?: ProgressListener; assumeDeviation?: number } = {}): Promise<ProfileReading> {
    const layout = await this.profileLayout(obis);
    let access: SelectiveAccess;
    let columns: readonly CaptureObject[] = layout.columns;
    if ('from' in selection) {
      access = rangeAccess({ from: selection.from, to: selection.to, deviation: selection.deviation ?? 0, columns: options.columns });
      if (options.columns && options.columns.length > 0) columns = options.columns;
    } else {
      access = entryAccess(selection);
      const from = (selection.fromColumn ?? 1) - 1;
      const to = selection.toColumn ? selection.toColumn : layout.columns.length;
      columns = layout.columns.slice(from, to);
    }
    const buffer = await this.get(attributeRef(CosemClass.PROFILE_GENERIC, obis, 2), access, options.onProgress);
    const rows = decodeProfileBuffer(buffer, { columns, capturePeriod: layout.capturePeriod, assumeDeviation: options.assumeDeviation });
    return { obis, columns, capturePeriod: layout.capturePeriod, rows };
  }

  /** Attribute 2 of the current association: the objects this client may see. */
  async readObjectList(onProgress?: ProgressListener): Promise<ObjectListEntry[]> {
    const list = await this.get(attributeRef(CosemClass.ASSOCIATION_LN, ASSOCIATION_LN, 2), undefined, onProgress);
    if (list.type !== 'array') throw new ApduError('DLMS_APDU_MALFORMED', 'object_list is not an array');
    return list.items.map((item) => {
      if (item.type !== 'structure' || item.items.length < 3) throw new ApduError('DLMS_APDU_MALFORMED', 'object_list entry is not a structure');
      const [classId, version, ln] = item.items;
      if (classId?.type !== 'long-unsigned' || version?.type !== 'unsigned' || ln?.type !== 'octet-string' || ln.value.length !== 6) {
        throw new ApduError('DLMS_APDU_MALFORMED', 'object_list entry is not {class_id, version, logical_name, ...}');
      }
      return { classId: classId.value, version: version.value, obis: formatObis(ln.value) };
    });
  }

  /** RLRQ/RLRE (best effort: some meters only release on DISC), then the link closes. */
  async release(): Promise<void> {
    try {
      if (this.#associated) {
        const answer = await this.#channel.request(encodeRelease('RLRQ', { reason: 0 }));
        if (answer[0] === ApduTag.RLRE) decodeRelease('RLRE', answer);
      }
    } catch {
      // The link release below ends the association in any case.
    } finally {
      this.#associated = false;
      await this.#channel.close();
    }
  }

  async #collectBlocks(first: Extract<ReturnType<typeof decodeGetResponse>, { kind: 'block' }> | ReturnType<typeof decodeGetResponse>, invokeId: number, what: string, onProgress?: ProgressListener): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    let res = first;
    for (let expected = 1; ; expected++) {
      if (res.kind !== 'block') throw new ApduError('DLMS_APDU_UNEXPECTED', `${what}: a ${res.kind} response in the middle of a block transfer`);
      this.#checkInvokeId(res.invokeId, invokeId);
      if (res.error !== undefined) {
        const reason = dataAccessResultName(res.error);
        throw new AccessError(res.error === DataAccessResult.READ_WRITE_DENIED ? 'DLMS_ACCESS_DENIED' : 'DLMS_ACCESS_FAILED', `${what}: block ${res.block}: the meter answered ${reason}`, reason, res.error);
      }
      if (res.block !== expected) throw new ApduError('DLMS_APDU_UNEXPECTED', `${what}: block ${expected} expected, the meter sent block ${res.block}`);
      parts.push(res.raw!);
      total += res.raw!.length;
      onProgress?.({ bytes: total, blocks: expected });
      if (res.last) break;
      res = decodeGetResponse(await this.#exchange(encodeGetRequest({ kind: 'next', invokeId, block: res.block }), onProgress, total, expected + 1));
    }
    return concatBytes(...parts);
  }

  /** One request/response, ciphered in a ciphered context; exception responses become errors. */
  async #exchange(plain: Uint8Array, onProgress?: ProgressListener, doneBytes = 0, block = 1): Promise<Uint8Array> {
    const security = this.#options.security;
    const ciphered = security !== undefined && security.cipherApdus !== false && this.#associated;
    let apdu = plain;
    if (ciphered) {
      apdu = cipherApdu(plain, {
        style: security!.ciphering ?? 'service-specific',
        dedicated: security!.dedicatedKey !== undefined,
        securityControl: security!.securityControl ?? 0x30,
        systemTitle: security!.systemTitle,
        invocationCounter: this.#ic++,
        keys: security!.dedicatedKey === undefined ? security!.keys : { ...security!.keys, encryptionKey: security!.dedicatedKey },
      });
    }
    const progress = onProgress === undefined ? undefined : (n: number) => onProgress({ bytes: doneBytes + n, blocks: block });
    let answer = await this.#channel.request(apdu, progress);
    if (isCipheredApdu(answer[0])) {
      if (security === undefined) throw new SecurityError('DLMS_SECURITY_NO_KEY', `the meter answered with ${apduName(answer[0])} but no keys are configured`);
      const deciphered = decipherApdu(answer, { keys: security.keys, dedicatedKey: security.dedicatedKey, peerSystemTitle: this.#negotiated?.serverSystemTitle });
      if (this.#serverIc !== undefined && deciphered.invocationCounter <= this.#serverIc) {
        throw new SecurityError('DLMS_SECURITY_REPLAY', `the meter's invocation counter ${deciphered.invocationCounter} does not exceed ${this.#serverIc}: replayed or reordered APDU`);
      }
      this.#serverIc = deciphered.invocationCounter;
      answer = deciphered.apdu;
    } else if (ciphered && answer[0] !== ApduTag.EXCEPTION_RESPONSE) {
      throw new SecurityError('DLMS_SECURITY_UNSUPPORTED', `the meter answered a ciphered request with a plain ${apduName(answer[0])}`);
    }
    if (answer[0] === ApduTag.EXCEPTION_RESPONSE) this.#exception(answer, apduName(plain[0]));
    return answer;
  }

  #exception(answer: Uint8Array, what: string): never {
    const e = decodeExceptionResponse(answer);
    const reason = describeException(e);
    throw new AccessError('DLMS_ACCESS_EXCEPTION', `the meter refused the ${what}: ${reason}`, reason, e.serviceError);
  }

  #nextInvokeId(): number {
    this.#invokeId = (this.#invokeId + 1) & 0x0f;
    return invokeIdAndPriority(this.#invokeId);
  }

  #checkInvokeId(got: number, sent: number): void {
    if ((got & 0x0f) !== (sent & 0x0f)) throw new ApduError('DLMS_APDU_UNEXPECTED', `response for invoke-id ${got & 0x0f}, request was ${sent & 0x0f}`);
  }
}

function dataOf(result: DataResult, what: string): DlmsData {
  if (result.error === undefined) return result.data;
  const reason = dataAccessResultName(result.error);
  throw new AccessError(result.error === DataAccessResult.READ_WRITE_DENIED ? 'DLMS_ACCESS_DENIED' : 'DLMS_ACCESS_FAILED', `${what}: the meter answered ${reason}`, reason, result.error);
}

function checkResult(result: number, what: string): void {
  if (result === 0) return;
  const reason = dataAccessResultName(result);
  throw new AccessError(result === DataAccessResult.READ_WRITE_DENIED ? 'DLMS_ACCESS_DENIED' : 'DLMS_ACCESS_FAILED', `${what}: the meter answered ${reason}`, reason, result);
}
