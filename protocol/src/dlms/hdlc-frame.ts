/**
 * HDLC frame format type 3 as profiled by IEC 62056-46 (DLMS UA Green Book §8.4):
 *
 *   7E | format (2) | destination (1..4) | source (1..4) | control | [HCS (2) | information] | FCS (2) | 7E
 *
 * format = 1010 S LLL LLLLLLLL: type 3, segmentation bit S, 11-bit frame length counting every
 * byte between the flags. HCS covers format..control, FCS covers format..information; both are
 * CRC-16/X.25, low byte first. A frame without information carries the FCS only.
 * Addresses use the extension bit (LSB = 1 on the last byte): the client address is one byte,
 * the server address one, two or four bytes (upper = logical device, lower = physical device).
 */
import { crc16x25 } from './crc16.js';

export const HDLC_FLAG = 0x7e;
/** Largest value of the 11-bit length field. */
export const HDLC_MAX_FRAME_LENGTH = 0x7ff;
/** LLC headers (Green Book §8.4.4.4): client to server, server to client. Only in the first segment. */
export const LLC_REQUEST: Uint8Array = Uint8Array.of(0xe6, 0xe6, 0x00);
export const LLC_RESPONSE: Uint8Array = Uint8Array.of(0xe6, 0xe7, 0x00);

export const HdlcFrameKind = Object.freeze({
  I: 'I',
  RR: 'RR',
  RNR: 'RNR',
  SNRM: 'SNRM',
  DISC: 'DISC',
  UA: 'UA',
  DM: 'DM',
  FRMR: 'FRMR',
  UI: 'UI',
} as const);
export type HdlcFrameKind = (typeof HdlcFrameKind)[keyof typeof HdlcFrameKind];

/** Control field of the unnumbered frames with the P/F bit clear (ISO/IEC 13239 §5.5.3). */
const UNNUMBERED: Readonly<Record<number, HdlcFrameKind>> = Object.freeze({
  0x83: 'SNRM', 0x43: 'DISC', 0x63: 'UA', 0x0f: 'DM', 0x87: 'FRMR', 0x03: 'UI',
});
const UNNUMBERED_CODE: Readonly<Record<string, number>> = Object.freeze({
  SNRM: 0x83, DISC: 0x43, UA: 0x63, DM: 0x0f, FRMR: 0x87, UI: 0x03,
});
const PF = 0x10;

export interface HdlcAddress {
  /** Client SAP, or the server's upper HDLC address (logical device). */
  readonly upper: number;
  /** Server lower HDLC address (physical device); absent in 1-byte addresses. */
  readonly lower?: number | undefined;
  /** Encoded length in bytes. */
  readonly size: 1 | 2 | 4;
}

export interface HdlcFrame {
  readonly kind: HdlcFrameKind;
  readonly destination: HdlcAddress;
  readonly source: HdlcAddress;
  /** Poll (command) / final (response) bit. */
  readonly pf: boolean;
  /** Segmentation bit of the format field: more segments follow. */
  readonly segmented: boolean;
  /** Send sequence number N(S), I frames only (mod 8). */
  readonly ns: number;
  /** Receive sequence number N(R), I, RR and RNR frames (mod 8). */
  readonly nr: number;
  readonly info: Uint8Array;
}

export function clientAddress(sap: number): HdlcAddress {
  if (!Number.isInteger(sap) || sap < 0 || sap > 0x7f) throw new RangeError(`HDLC client address 0..127 expected, got ${sap}`);
  return { upper: sap, size: 1 };
}

/** Server address; the size defaults to the smallest that fits (1 byte without a physical address). */
export function serverAddress(logical: number, physical?: number, size?: 1 | 2 | 4): HdlcAddress {
  const chosen = size ?? (physical === undefined ? 1 : logical <= 0x7f && physical <= 0x7f ? 2 : 4);
  const max = chosen === 4 ? 0x3fff : 0x7f;
  if (!Number.isInteger(logical) || logical < 0 || logical > max) throw new RangeError(`HDLC upper address 0..${max} expected, got ${logical}`);
  if (chosen === 1) {
    if (physical !== undefined) throw new RangeError('a 1-byte HDLC server address has no physical part');
    return { upper: logical, size: 1 };
  }
  const lower = physical ?? 0;
  if (!Number.isInteger(lower) || lower < 0 || lower > max) throw new RangeError(`HDLC lower address 0..${max} expected, got ${lower}`);
  return { upper: logical, lower, size: chosen };
}

export function encodeAddress(address: HdlcAddress, out: Uint8Array = new Uint8Array(address.size), at = 0): Uint8Array {
  const { upper } = address;
  const lower = address.lower ?? 0;
  switch (address.size) {
    case 1:
      out[at] = (upper << 1) | 1;
      break;
    case 2:
      out[at] = (upper << 1) & 0xfe;
      out[at + 1] = (lower << 1) | 1;
      break;
    case 4:
      out[at] = (upper >> 7) << 1;
      out[at + 1] = (upper & 0x7f) << 1;
      out[at + 2] = (lower >> 7) << 1;
      out[at + 3] = ((lower & 0x7f) << 1) | 1;
      break;
  }
  return out;
}

export function sameAddress(a: HdlcAddress, b: HdlcAddress): boolean {
  return a.size === b.size && a.upper === b.upper && (a.lower ?? 0) === (b.lower ?? 0);
}

export function formatAddress(address: HdlcAddress): string {
  return address.lower === undefined ? `${address.upper}` : `${address.upper}/${address.lower}`;
}

/** Control byte of a frame (P/F included). */
export function controlByte(kind: HdlcFrameKind, pf: boolean, ns = 0, nr = 0): number {
  const p = pf ? PF : 0;
  switch (kind) {
    case 'I':
      return ((nr & 7) << 5) | p | ((ns & 7) << 1);
    case 'RR':
      return ((nr & 7) << 5) | p | 0x01;
    case 'RNR':
      return ((nr & 7) << 5) | p | 0x05;
    default:
      return UNNUMBERED_CODE[kind]! | p;
  }
}

export interface FrameFields {
  kind: HdlcFrameKind;
  destination: HdlcAddress;
  source: HdlcAddress;
  pf?: boolean;
  segmented?: boolean;
  ns?: number;
  nr?: number;
  info?: Uint8Array;
}

/** Encodes one frame, flags included. */
export function encodeFrame(fields: FrameFields): Uint8Array {
  const info = fields.info ?? new Uint8Array(0);
  if (info.length > 0 && fields.kind !== 'I' && fields.kind !== 'UI' && fields.kind !== 'SNRM' && fields.kind !== 'UA' && fields.kind !== 'FRMR' && fields.kind !== 'DM') {
    throw new TypeError(`HDLC ${fields.kind} frames carry no information field`);
  }
  const header = 2 + fields.destination.size + fields.source.size + 1;
  const length = header + (info.length > 0 ? 2 + info.length : 0) + 2;
  if (length > HDLC_MAX_FRAME_LENGTH) throw new RangeError(`HDLC frame of ${length} bytes exceeds the 11-bit length field; segment the information`);
  const out = new Uint8Array(length + 2);
  out[0] = HDLC_FLAG;
  out[1] = 0xa0 | (fields.segmented ? 0x08 : 0) | (length >> 8);
  out[2] = length & 0xff;
  let at = 3;
  encodeAddress(fields.destination, out, at);
  at += fields.destination.size;
  encodeAddress(fields.source, out, at);
  at += fields.source.size;
  out[at++] = controlByte(fields.kind, fields.pf ?? true, fields.ns, fields.nr);
  if (info.length > 0) {
    const hcs = crc16x25(out, 1, at);
    out[at++] = hcs & 0xff;
    out[at++] = hcs >> 8;
    out.set(info, at);
    at += info.length;
  }
  const fcs = crc16x25(out, 1, at);
  out[at++] = fcs & 0xff;
  out[at++] = fcs >> 8;
  out[at] = HDLC_FLAG;
  return out;
}

/** Why a candidate frame was refused; returned, never thrown, on the byte path. */
export type FrameDefect = 'BAD_FORMAT' | 'BAD_ADDRESS' | 'BAD_HCS' | 'BAD_FCS' | 'BAD_CONTROL' | 'MISSING_FLAG' | 'TOO_LONG';

function decodeAddress(body: Uint8Array, at: number, end: number): HdlcAddress | undefined {
  let size = 0;
  for (let i = 0; i < 4 && at + i < end; i++) {
    if (body[at + i]! & 1) {
      size = i + 1;
      break;
    }
  }
  if (size === 0 || size === 3) return undefined;
  const b0 = body[at]!;
  if (size === 1) return { upper: b0 >> 1, size: 1 };
  const b1 = body[at + 1]!;
  if (size === 2) return { upper: b0 >> 1, lower: b1 >> 1, size: 2 };
  return { upper: ((b0 >> 1) << 7) | (b1 >> 1), lower: ((body[at + 2]! >> 1) << 7) | (body[at + 3]! >> 1), size: 4 };
}

/**
 * Decodes the bytes between two flags (format field first, FCS last). Returns the frame or
 * the defect; `info` is a view into `body`.
 */
export function decodeFrameBody(body: Uint8Array): HdlcFrame | FrameDefect {
  const length = body.length;
  if (length < 7 || (body[0]! & 0xf0) !== 0xa0) return 'BAD_FORMAT';
  if ((((body[0]! & 7) << 8) | body[1]!) !== length) return 'BAD_FORMAT';
  const destination = decodeAddress(body, 2, length - 2);
  if (destination === undefined) return 'BAD_ADDRESS';
  const source = decodeAddress(body, 2 + destination.size, length - 2);
  if (source === undefined) return 'BAD_ADDRESS';
  const controlAt = 2 + destination.size + source.size;
  if (controlAt + 3 > length) return 'BAD_FORMAT';
  const fcs = crc16x25(body, 0, length - 2);
  if (body[length - 2] !== (fcs & 0xff) || body[length - 1] !== fcs >> 8) return 'BAD_FCS';
  const control = body[controlAt]!;
  let info: Uint8Array = EMPTY;
  if (length > controlAt + 3) {
    if (length < controlAt + 1 + 2 + 2 + 1) return 'BAD_FORMAT';
    const hcs = crc16x25(body, 0, controlAt + 1);
    if (body[controlAt + 1] !== (hcs & 0xff) || body[controlAt + 2] !== hcs >> 8) return 'BAD_HCS';
    info = body.subarray(controlAt + 3, length - 2);
  }
  const pf = (control & PF) !== 0;
  const segmented = (body[0]! & 0x08) !== 0;
  let kind: HdlcFrameKind | undefined;
  let ns = 0;
  let nr = 0;
  if ((control & 1) === 0) {
    kind = 'I';
    ns = (control >> 1) & 7;
    nr = control >> 5;
  } else if ((control & 0x0f) === 0x01) {
    kind = 'RR';
    nr = control >> 5;
  } else if ((control & 0x0f) === 0x05) {
    kind = 'RNR';
    nr = control >> 5;
  } else {
    kind = UNNUMBERED[control & ~PF];
  }
  if (kind === undefined) return 'BAD_CONTROL';
  if (info.length > 0 && (kind === 'RR' || kind === 'RNR' || kind === 'DISC')) return 'BAD_CONTROL';
  return { kind, destination, source, pf, segmented, ns, nr, info };
}

const EMPTY = new Uint8Array(0);

export function describeFrame(frame: HdlcFrame): string {
  const seq = frame.kind === 'I' ? ` N(S)=${frame.ns} N(R)=${frame.nr}` : frame.kind === 'RR' || frame.kind === 'RNR' ? ` N(R)=${frame.nr}` : '';
  return `${frame.kind}${seq}${frame.pf ? ' P/F' : ''}${frame.segmented ? ' S' : ''} ${formatAddress(frame.source)}->${formatAddress(frame.destination)} info=${frame.info.length}`;
}
