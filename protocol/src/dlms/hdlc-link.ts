/**
 * HDLC link layer of IEC 62056-46 in normal response mode, as a pure state machine: no
 * sockets, no timers. Every input (bytes received, an APDU to send, the link timer expiring)
 * returns the effects the shell must perform in order: write bytes, (re)arm or cancel the one
 * link timer, deliver a reassembled APDU, report connection changes and errors. A timer is
 * armed before the frame it guards is sent, so even a synchronous transport sees a sane order.
 *
 * - Connection: SNRM with the parameter proposal, UA with the answer (hdlc-parameters.ts);
 *   DISC / UA or DM to release. N(S)/N(R) run modulo 8 from 0 after each SNRM.
 * - Segmentation (§6.4.4.4.3.5): an APDU longer than the negotiated information length goes out
 *   in I frames with the S bit set on all but the last; the LLC header (E6 E6 00 / E6 E7 00)
 *   travels only in the first. The sender sends up to `window` frames, P/F on the last, and the
 *   receiver's RR N(R) asks for the next ones (go-back-N on a short N(R)).
 * - Timeouts and retries: the client re-sends its last poll (SNRM, DISC, its I frames, or an RR
 *   asking for the next segment) when the timer expires, up to `maxRetries` times; the server
 *   re-sends its last answer when the client repeats a frame it already acknowledged.
 */
import { HdlcError, HdlcErrorCode } from './errors.js';
import {
  encodeFrame, formatAddress, HDLC_MAX_FRAME_LENGTH, LLC_REQUEST, LLC_RESPONSE,
  type FrameDefect, type HdlcAddress, type HdlcFrame, type HdlcFrameKind,
} from './hdlc-frame.js';
import {
  answerHdlcParameters, checkHdlcParameters, clientViewOf, decodeHdlcParameters, DEFAULT_HDLC_PARAMETERS, encodeHdlcParameters,
  type HdlcParameters,
} from './hdlc-parameters.js';
import { HdlcFrameParser } from './hdlc-parser.js';

export type HdlcLinkEffect =
  | { readonly type: 'send'; readonly bytes: Uint8Array }
  | { readonly type: 'timer'; readonly ms: number }
  | { readonly type: 'cancel-timer' }
  | { readonly type: 'connected'; readonly parameters: HdlcParameters }
  | { readonly type: 'disconnected'; readonly reason: 'released' | 'DM' | 'DISC' | 'FRMR' }
  | { readonly type: 'apdu'; readonly apdu: Uint8Array }
  | { readonly type: 'segment'; readonly received: number }
  | { readonly type: 'ui'; readonly info: Uint8Array }
  | { readonly type: 'defect'; readonly defect: FrameDefect }
  | { readonly type: 'error'; readonly error: HdlcError };

export type HdlcLinkState = 'disconnected' | 'connecting' | 'connected' | 'disconnecting';

export interface HdlcLinkOptions {
  readonly role: 'client' | 'server';
  /** This end's address (client SAP, or the server's upper/lower address). */
  readonly local: HdlcAddress;
  /** The peer's address; a server learns it from each SNRM. */
  readonly remote?: HdlcAddress;
  /** Client: the SNRM proposal. Server: its capability. */
  readonly parameters?: HdlcParameters;
  /** Client: how long to wait for an answer before repeating the poll. */
  readonly responseTimeoutMs?: number;
  /** Client: repetitions of an unanswered poll before giving up. */
  readonly maxRetries?: number;
  /** Client: send the HDLC parameter proposal in the SNRM (some meters want an empty SNRM). */
  readonly negotiate?: boolean;
}

type Waiting = 'none' | 'ua' | 'disc-ua' | 'ack' | 'response';
const FRAME_OVERHEAD = 2 + 4 + 4 + 1 + 2 + 2;

export class HdlcLink {
  readonly role: 'client' | 'server';
  readonly local: HdlcAddress;
  #remote: HdlcAddress | undefined;
  #addressedAs: HdlcAddress;
  readonly #proposal: HdlcParameters;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #negotiate: boolean;
  readonly #parser = new HdlcFrameParser();
  #state: HdlcLinkState = 'disconnected';
  #params: HdlcParameters = DEFAULT_HDLC_PARAMETERS;
  #vs = 0;
  #vr = 0;
  #waiting: Waiting = 'none';
  #retries = 0;
  /** Outgoing segments of the APDU being sent, the first unacknowledged one and its N(S). */
  #segments: Uint8Array[] = [];
  #next = 0;
  #base = 0;
  #baseNs = 0;
  /** Frames of the last transmission, repeated on a timeout (client) or a duplicate (server). */
  #lastSent: Uint8Array[] = [];
  #rx: Uint8Array[] = [];
  #rxBytes = 0;
  /** Frames with a foreign address, seen on multi-drop lines. */
  foreignFrames = 0;
  defects = 0;

  constructor(options: HdlcLinkOptions) {
    this.role = options.role;
    this.local = options.local;
    this.#remote = options.remote;
    this.#addressedAs = options.local;
    this.#proposal = checkHdlcParameters(options.parameters ?? DEFAULT_HDLC_PARAMETERS);
    this.#timeoutMs = options.responseTimeoutMs ?? 3000;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#negotiate = options.negotiate ?? true;
    if (this.role === 'client' && this.#remote === undefined) throw new TypeError('an HDLC client link needs the server address');
  }

  get state(): HdlcLinkState {
    return this.#state;
  }

  /** Negotiated parameters from this end's point of view. */
  get parameters(): HdlcParameters {
    return this.#params;
  }

  /** The peer's address (a server learns it from the SNRM). */
  get remote(): HdlcAddress | undefined {
    return this.#remote;
  }

  get busy(): boolean {
    return this.#waiting !== 'none';
  }

  /** Client: open the link with SNRM. */
  connect(): HdlcLinkEffect[] {
    this.#requireRole('client', 'connect');
    if (this.#waiting !== 'none') throw new TypeError(`HDLC connect while waiting for ${this.#waiting}`);
    this.#state = 'connecting';
    this.#resetSequence();
    const info = this.#negotiate ? encodeHdlcParameters(this.#proposal) : undefined;
    return this.#poll('ua', [this.#frame('SNRM', { info })]);
  }

  /** Client: release the link with DISC. */
  disconnect(): HdlcLinkEffect[] {
    this.#requireRole('client', 'disconnect');
    if (this.#state === 'disconnected') return [];
    this.#state = 'disconnecting';
    this.#segments = [];
    return this.#poll('disc-ua', [this.#frame('DISC')]);
  }

  /** Sends one APDU (the LLC header is added here), segmented to the negotiated length. */
  send(apdu: Uint8Array): HdlcLinkEffect[] {
    if (this.#state !== 'connected') throw new HdlcError(HdlcErrorCode.DISCONNECTED, `HDLC link to ${this.#peerName()} is not connected`);
    if (this.role === 'client' && this.#waiting !== 'none') throw new TypeError(`HDLC send while waiting for ${this.#waiting}: one request at a time`);
    const info = new Uint8Array(3 + apdu.length);
    info.set(this.role === 'client' ? LLC_REQUEST : LLC_RESPONSE);
    info.set(apdu, 3);
    const size = this.#params.maxInfoTx;
    this.#segments = [];
    for (let at = 0; at < info.length; at += size) this.#segments.push(info.subarray(at, Math.min(at + size, info.length)));
    this.#base = 0;
    this.#next = 0;
    this.#baseNs = this.#vs;
    this.#rx = [];
    this.#rxBytes = 0;
    return this.#sendWindow();
  }

  /** Feeds received bytes. */
  receive(bytes: Uint8Array): HdlcLinkEffect[] {
    const effects: HdlcLinkEffect[] = [];
    for (const event of this.#parser.push(bytes)) {
      if (event.type === 'defect') {
        this.defects++;
        effects.push({ type: 'defect', defect: event.defect });
        continue;
      }
      effects.push(...(this.role === 'client' ? this.#clientFrame(event.frame) : this.#serverFrame(event.frame)));
    }
    return effects;
  }

  /** The link timer expired. */
  timeout(): HdlcLinkEffect[] {
    if (this.role === 'server' || this.#waiting === 'none') return [];
    const waited = this.#waiting;
    if (++this.#retries > this.#maxRetries) {
      this.#waiting = 'none';
      this.#segments = [];
      if (waited === 'ua' || waited === 'disc-ua') this.#state = 'disconnected';
      const what = waited === 'ua' ? 'UA to SNRM' : waited === 'disc-ua' ? 'UA to DISC' : waited === 'ack' ? 'RR for the next segment' : 'response';
      return [{ type: 'error', error: new HdlcError(HdlcErrorCode.TIMEOUT, `HDLC: no ${what} from ${this.#peerName()} after ${this.#maxRetries + 1} attempts of ${this.#timeoutMs} ms; check wiring, baud rate and addresses`) }];
    }
    if (waited === 'ack' || waited === 'response') {
      if (this.#rx.length === 0 && this.#base < this.#segments.length) {
        this.#next = this.#base;
        this.#vs = this.#baseNs;
        return this.#sendWindow();
      }
      // Part of the answer arrived, or all we sent is acknowledged: poll for the next frame.
      this.#lastSent = [this.#frame('RR', { nr: this.#vr })];
    }
    return [{ type: 'timer', ms: this.#timeoutMs }, ...this.#lastSent.map((bytes): HdlcLinkEffect => ({ type: 'send', bytes }))];
  }

  #clientFrame(frame: HdlcFrame): HdlcLinkEffect[] {
    if (!this.#forUs(frame)) return [];
    switch (frame.kind) {
      case 'UA':
        if (this.#waiting === 'ua') {
          let ua: HdlcParameters;
          try {
            ua = decodeHdlcParameters(frame.info);
          } catch (error) {
            this.#state = 'disconnected';
            this.#waiting = 'none';
            return [{ type: 'cancel-timer' }, { type: 'error', error: error as HdlcError }];
          }
          this.#params = clientViewOf(ua);
          this.#parser.maxFrameLength = Math.min(HDLC_MAX_FRAME_LENGTH, this.#params.maxInfoRx + FRAME_OVERHEAD);
          this.#state = 'connected';
          this.#waiting = 'none';
          return [{ type: 'cancel-timer' }, { type: 'connected', parameters: this.#params }];
        }
        if (this.#waiting === 'disc-ua') return this.#closed('released');
        return [];
      case 'DM': {
        if (this.#waiting === 'disc-ua') return this.#closed('released');
        const error = this.#waiting === 'ua'
          ? this.#pendingError(HdlcErrorCode.REFUSED, 'refused the connection (DM); is another client connected or the address wrong?')
          : this.#pendingError(HdlcErrorCode.DISCONNECTED, 'answered DM: the link was disconnected');
        return [...error, ...this.#closed('DM')];
      }
      case 'FRMR': {
        const error = this.#pendingError(HdlcErrorCode.FRAME_REJECTED, `rejected a frame (FRMR ${hex(frame.info)})`);
        return [...error, ...this.#closed('FRMR')];
      }
      case 'UI':
        return [{ type: 'ui', info: frame.info }];
      case 'RR':
      case 'RNR':
        return this.#acknowledged(frame);
      case 'I':
        return this.#information(frame);
      default:
        return [];
    }
  }

  #serverFrame(frame: HdlcFrame): HdlcLinkEffect[] {
    if (!this.#forUs(frame)) return [];
    switch (frame.kind) {
      case 'SNRM': {
        let proposal: HdlcParameters;
        try {
          proposal = decodeHdlcParameters(frame.info);
        } catch {
          return [{ type: 'send', bytes: this.#frame('FRMR', { info: Uint8Array.of(0x93, 0, 0x02) }) }];
        }
        this.#remote = frame.source;
        this.#addressedAs = frame.destination;
        const answer = answerHdlcParameters(proposal, this.#proposal);
        this.#params = answer;
        this.#parser.maxFrameLength = Math.min(HDLC_MAX_FRAME_LENGTH, answer.maxInfoRx + FRAME_OVERHEAD);
        this.#resetSequence();
        this.#state = 'connected';
        const ua = this.#frame('UA', { info: encodeHdlcParameters(answer) });
        this.#lastSent = [ua];
        return [{ type: 'send', bytes: ua }, { type: 'connected', parameters: answer }];
      }
      case 'DISC': {
        const wasConnected = this.#state === 'connected';
        if (!wasConnected) return [{ type: 'send', bytes: this.#frame('DM') }];
        this.#state = 'disconnected';
        this.#parser.maxFrameLength = HDLC_MAX_FRAME_LENGTH;
        return [{ type: 'send', bytes: this.#frame('UA') }, { type: 'disconnected', reason: 'DISC' }];
      }
      case 'I':
      case 'RR':
      case 'RNR':
        if (this.#state !== 'connected') return [{ type: 'send', bytes: this.#frame('DM') }];
        return frame.kind === 'I' ? this.#information(frame) : this.#acknowledged(frame);
      default:
        return [];
    }
  }

  /** RR / RNR: N(R) acknowledges our I frames before it. */
  #acknowledged(frame: HdlcFrame): HdlcLinkEffect[] {
    const outstanding = this.#next - this.#base;
    const acked = (frame.nr - this.#baseNs + 8) & 7;
    if (this.#segments.length > 0 && acked <= outstanding) {
      this.#base += acked;
      this.#baseNs = frame.nr;
      if (acked > 0) this.#retries = 0;
      if (frame.kind === 'RNR') return this.role === 'client' ? [{ type: 'timer', ms: this.#timeoutMs }] : [];
      if (this.#base < this.#segments.length) {
        this.#next = this.#base;
        this.#vs = this.#baseNs;
        return this.#sendWindow();
      }
    }
    if (this.role === 'server') {
      // Nothing pending: a poll with nothing to say is answered with RR (ISO/IEC 13239 §5.6.2.1).
      if (this.#segments.length === 0 || this.#base >= this.#segments.length) return [{ type: 'send', bytes: this.#frame('RR', { nr: this.#vr }) }];
      return [];
    }
    return this.#waiting === 'none' ? [] : [{ type: 'timer', ms: this.#timeoutMs }];
  }

  #information(frame: HdlcFrame): HdlcLinkEffect[] {
    if (this.role === 'client' && this.#waiting !== 'response' && this.#waiting !== 'ack') return [];
    const effects: HdlcLinkEffect[] = [];
    if (this.#segments.length > 0) {
      const acked = (frame.nr - this.#baseNs + 8) & 7;
      if (acked <= this.#next - this.#base) {
        this.#base += acked;
        this.#baseNs = frame.nr;
      }
      if (this.role === 'client' && this.#base >= this.#segments.length) this.#waiting = 'response';
    }
    if (frame.ns !== this.#vr) {
      if (frame.ns === ((this.#vr + 7) & 7) && this.role === 'server' && this.#lastSent.length > 0) {
        // The client repeats a frame we acknowledged: our answer was lost, so repeat it.
        return this.#lastSent.map((bytes) => ({ type: 'send', bytes }));
      }
      if (!frame.pf) return [];
      const rr = this.#frame('RR', { nr: this.#vr });
      this.#lastSent = [rr];
      return this.role === 'client' ? [{ type: 'timer', ms: this.#timeoutMs }, { type: 'send', bytes: rr }] : [{ type: 'send', bytes: rr }];
    }
    this.#vr = (this.#vr + 1) & 7;
    this.#retries = 0;
    let info = frame.info;
    if (this.#rx.length === 0) {
      const llc = this.role === 'client' ? LLC_RESPONSE : LLC_REQUEST;
      if (info.length >= 3 && info[0] === llc[0] && info[1] === llc[1] && info[2] === llc[2]) info = info.subarray(3);
    }
    this.#rx.push(info);
    this.#rxBytes += info.length;
    if (frame.segmented) {
      effects.push({ type: 'segment', received: this.#rxBytes });
      if (!frame.pf) return effects;
      const rr = this.#frame('RR', { nr: this.#vr });
      this.#lastSent = [rr];
      if (this.role === 'client') {
        this.#waiting = 'response';
        effects.push({ type: 'timer', ms: this.#timeoutMs });
      }
      effects.push({ type: 'send', bytes: rr });
      return effects;
    }
    const apdu = concat(this.#rx, this.#rxBytes);
    this.#rx = [];
    this.#rxBytes = 0;
    if (this.role === 'client') {
      this.#waiting = 'none';
      this.#segments = [];
      effects.push({ type: 'cancel-timer' });
    } else {
      this.#lastSent = [];
    }
    effects.push({ type: 'apdu', apdu });
    return effects;
  }

  #sendWindow(): HdlcLinkEffect[] {
    const effects: HdlcLinkEffect[] = [];
    const last = this.#segments.length - 1;
    this.#lastSent = [];
    for (let k = 0; k < this.#params.windowTx && this.#next <= last; k++) {
      const index = this.#next++;
      const pf = k === this.#params.windowTx - 1 || index === last;
      const bytes = this.#frame('I', { info: this.#segments[index], segmented: index < last, ns: this.#vs, nr: this.#vr, pf });
      this.#vs = (this.#vs + 1) & 7;
      this.#lastSent.push(bytes);
      effects.push({ type: 'send', bytes });
    }
    if (this.role === 'client') {
      this.#waiting = this.#next <= last ? 'ack' : 'response';
      effects.unshift({ type: 'timer', ms: this.#timeoutMs });
    }
    return effects;
  }

  #poll(waiting: Waiting, frames: Uint8Array[]): HdlcLinkEffect[] {
    this.#waiting = waiting;
    this.#retries = 0;
    this.#lastSent = frames;
    return [{ type: 'timer', ms: this.#timeoutMs }, ...frames.map((bytes): HdlcLinkEffect => ({ type: 'send', bytes }))];
  }

  #closed(reason: 'released' | 'DM' | 'FRMR'): HdlcLinkEffect[] {
    const effects: HdlcLinkEffect[] = this.#waiting === 'none' ? [] : [{ type: 'cancel-timer' }];
    this.#waiting = 'none';
    this.#segments = [];
    this.#state = 'disconnected';
    this.#parser.maxFrameLength = HDLC_MAX_FRAME_LENGTH;
    effects.push({ type: 'disconnected', reason });
    return effects;
  }

  /** The error for the operation in progress, if any (the state is left to the caller). */
  #pendingError(code: HdlcErrorCode, what: string): HdlcLinkEffect[] {
    if (this.#waiting === 'none') return [];
    return [{ type: 'error', error: new HdlcError(code, `HDLC: ${this.#peerName()} ${what}`) }];
  }

  #forUs(frame: HdlcFrame): boolean {
    const d = frame.destination;
    const ours = this.local.upper === d.upper && (this.local.lower === undefined || d.lower === undefined || this.local.lower === d.lower);
    const fromPeer = this.role === 'server' || this.#remote === undefined || (this.#remote.upper === frame.source.upper && (this.#remote.lower ?? 0) === (frame.source.lower ?? 0));
    if (ours && fromPeer) return true;
    this.foreignFrames++;
    return false;
  }

  #frame(kind: HdlcFrameKind, fields: { info?: Uint8Array | undefined; segmented?: boolean; ns?: number; nr?: number; pf?: boolean } = {}): Uint8Array {
    const source = this.role === 'server' ? this.#addressedAs : this.local;
    const destination = this.#remote!;
    return encodeFrame({ kind, destination, source, pf: fields.pf ?? true, segmented: fields.segmented ?? false, ns: fields.ns ?? 0, nr: fields.nr ?? 0, info: fields.info ?? EMPTY });
  }

  #resetSequence(): void {
    this.#vs = 0;
    this.#vr = 0;
    this.#segments = [];
    this.#rx = [];
    this.#rxBytes = 0;
    this.#base = 0;
    this.#next = 0;
    this.#baseNs = 0;
  }

  #requireRole(role: 'client' | 'server', what: string): void {
    if (this.role !== role) throw new TypeError(`HDLC ${what} is a ${role} operation`);
  }

  #peerName(): string {
    return this.#remote === undefined ? 'peer' : `${this.role === 'client' ? 'meter' : 'client'} ${formatAddress(this.#remote)}`;
  }
}

const EMPTY = new Uint8Array(0);

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!.slice();
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
