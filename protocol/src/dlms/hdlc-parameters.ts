/**
 * HDLC parameter negotiation carried in the information field of SNRM and UA
 * (IEC 62056-46 §6.4.4.4.3.2, ISO/IEC 13239 parameter set):
 *
 *   81 (format identifier) 80 (HDLC parameter group) <group length>
 *     05 <len> max_info_field_length_transmit   06 <len> max_info_field_length_receive
 *     07 <len> window_size_transmit              08 <len> window_size_receive
 *
 * Each side states its values from its own point of view; absent values default to 128 bytes
 * and a window of 1. The server answers with the smaller of its capability and the client's.
 */
import { HdlcError, HdlcErrorCode } from './errors.js';

export interface HdlcParameters {
  /** Largest information field this side transmits. */
  readonly maxInfoTx: number;
  /** Largest information field this side accepts. */
  readonly maxInfoRx: number;
  /** Frames this side sends before waiting for an acknowledgement (1..7). */
  readonly windowTx: number;
  /** Frames this side accepts before it acknowledges (1..7). */
  readonly windowRx: number;
}

export const DEFAULT_HDLC_PARAMETERS: HdlcParameters = Object.freeze({ maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 });
/** Largest information field that fits the 11-bit frame length with 4-byte addresses. */
export const MAX_INFO_LENGTH = 2030;
export const MIN_INFO_LENGTH = 32;

const PARAM_ID = Object.freeze({ MAX_INFO_TX: 0x05, MAX_INFO_RX: 0x06, WINDOW_TX: 0x07, WINDOW_RX: 0x08 } as const);

export function checkHdlcParameters(p: HdlcParameters): HdlcParameters {
  for (const key of ['maxInfoTx', 'maxInfoRx'] as const) {
    const v = p[key];
    if (!Number.isInteger(v) || v < MIN_INFO_LENGTH || v > MAX_INFO_LENGTH) throw new RangeError(`HDLC ${key} ${MIN_INFO_LENGTH}..${MAX_INFO_LENGTH} expected, got ${v}`);
  }
  for (const key of ['windowTx', 'windowRx'] as const) {
    const v = p[key];
    if (!Number.isInteger(v) || v < 1 || v > 7) throw new RangeError(`HDLC ${key} 1..7 expected, got ${v}`);
  }
  return p;
}

function pushUint(out: number[], id: number, value: number, width: number): void {
  out.push(id, width);
  for (let shift = (width - 1) * 8; shift >= 0; shift -= 8) out.push((value / 2 ** shift) & 0xff);
}

export function encodeHdlcParameters(p: HdlcParameters): Uint8Array {
  checkHdlcParameters(p);
  const group: number[] = [];
  pushUint(group, PARAM_ID.MAX_INFO_TX, p.maxInfoTx, p.maxInfoTx > 0xff ? 2 : 1);
  pushUint(group, PARAM_ID.MAX_INFO_RX, p.maxInfoRx, p.maxInfoRx > 0xff ? 2 : 1);
  pushUint(group, PARAM_ID.WINDOW_TX, p.windowTx, 4);
  pushUint(group, PARAM_ID.WINDOW_RX, p.windowRx, 4);
  return Uint8Array.from([0x81, 0x80, group.length, ...group]);
}

function bad(why: string): never {
  throw new HdlcError(HdlcErrorCode.BAD_FRAME, `HDLC parameter field: ${why}`);
}

/** Decodes an SNRM/UA information field; an empty field means all defaults. */
export function decodeHdlcParameters(info: Uint8Array): HdlcParameters {
  if (info.length === 0) return DEFAULT_HDLC_PARAMETERS;
  if (info.length < 3 || info[0] !== 0x81 || info[1] !== 0x80) bad('format identifier 81 80 expected');
  const end = 3 + info[2]!;
  if (end !== info.length) bad(`group length ${info[2]} does not match the ${info.length - 3} bytes present`);
  const values: Record<string, number> = { ...DEFAULT_HDLC_PARAMETERS };
  let at = 3;
  while (at < end) {
    if (at + 2 > end) bad('truncated parameter');
    const id = info[at]!;
    const width = info[at + 1]!;
    if (width < 1 || width > 4 || at + 2 + width > end) bad(`parameter 0x${id.toString(16)} has a bad length ${width}`);
    let value = 0;
    for (let k = 0; k < width; k++) value = value * 256 + info[at + 2 + k]!;
    at += 2 + width;
    if (id === PARAM_ID.MAX_INFO_TX) values.maxInfoTx = value;
    else if (id === PARAM_ID.MAX_INFO_RX) values.maxInfoRx = value;
    else if (id === PARAM_ID.WINDOW_TX) values.windowTx = value;
    else if (id === PARAM_ID.WINDOW_RX) values.windowRx = value;
  }
  const p = values as unknown as HdlcParameters;
  if (p.windowTx < 1 || p.windowTx > 7 || p.windowRx < 1 || p.windowRx > 7) bad(`window sizes must be 1..7, got ${p.windowTx}/${p.windowRx}`);
  if (p.maxInfoTx < MIN_INFO_LENGTH || p.maxInfoRx < MIN_INFO_LENGTH || p.maxInfoTx > MAX_INFO_LENGTH || p.maxInfoRx > MAX_INFO_LENGTH) {
    bad(`information field lengths must be ${MIN_INFO_LENGTH}..${MAX_INFO_LENGTH}, got ${p.maxInfoTx}/${p.maxInfoRx}`);
  }
  return Object.freeze({ maxInfoTx: p.maxInfoTx, maxInfoRx: p.maxInfoRx, windowTx: p.windowTx, windowRx: p.windowRx });
}

/** The server's UA values for a client's SNRM proposal, both from their sender's point of view. */
export function answerHdlcParameters(proposal: HdlcParameters, server: HdlcParameters): HdlcParameters {
  return Object.freeze({
    maxInfoTx: Math.min(proposal.maxInfoRx, server.maxInfoTx),
    maxInfoRx: Math.min(proposal.maxInfoTx, server.maxInfoRx),
    windowTx: Math.min(proposal.windowRx, server.windowTx),
    windowRx: Math.min(proposal.windowTx, server.windowRx),
  });
}

/** What the client may use after the server's UA: the UA's values seen from the other end. */
export function clientViewOf(ua: HdlcParameters): HdlcParameters {
  return Object.freeze({ maxInfoTx: ua.maxInfoRx, maxInfoRx: ua.maxInfoTx, windowTx: ua.windowRx, windowRx: ua.windowTx });
}
