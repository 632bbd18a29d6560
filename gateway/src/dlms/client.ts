/**
 * Opening a DLMS session to a meter from a plain description: TCP (HDLC or wrapper) or serial
 * (direct HDLC, or mode E through an optical probe), addresses, HDLC limits and association.
 */
import type { HdlcParameters } from '@wattledger/protocol/dlms';
import type { ApduChannel } from './channel.js';
import { HdlcChannel } from './hdlc-channel.js';
import { openModeE, type ModeEOpenOptions } from './mode-e-open.js';
import { openSerialTransport, type SerialBinding } from './serial-transport.js';
import { DlmsSession, type SessionOptions } from './session.js';
import { openTcpTransport } from './tcp-transport.js';
import type { ByteTransport } from './transport.js';
import { WrapperChannel } from './wrapper-channel.js';

export interface DlmsEndpoint {
  readonly tcp?: { readonly host: string; readonly port: number; readonly framing?: 'hdlc' | 'wrapper' };
  readonly serial?: {
    readonly path: string;
    /** Direct HDLC rate (default 9600); ignored with mode E, which negotiates it. */
    readonly baudRate?: number;
    readonly modeE?: boolean | ModeEOpenOptions;
    readonly binding?: SerialBinding;
  };
  /** Client SAP / wPort (default 16, the public client). */
  readonly client?: number;
  /** Server logical device (default 1, management). */
  readonly logicalDevice?: number;
  /** HDLC physical device address. */
  readonly physicalDevice?: number;
  readonly addressSize?: 1 | 2 | 4;
  readonly hdlc?: HdlcParameters;
  readonly responseTimeoutMs?: number;
  readonly maxRetries?: number;
}

export interface DlmsClientOptions extends DlmsEndpoint {
  readonly association?: SessionOptions;
}

export function describeEndpoint(e: DlmsEndpoint): string {
  if (e.tcp) return `${e.tcp.framing ?? 'hdlc'} tcp ${e.tcp.host}:${e.tcp.port}`;
  if (e.serial) return `${e.serial.modeE ? 'mode E ' : ''}serial ${e.serial.path}`;
  return 'no endpoint';
}

async function openChannel(options: DlmsEndpoint): Promise<ApduChannel> {
  let transport: ByteTransport;
  if (options.tcp) {
    transport = await openTcpTransport(options.tcp);
    if (options.tcp.framing === 'wrapper') return new WrapperChannel(transport, { client: options.client ?? 16, server: options.logicalDevice ?? 1, responseTimeoutMs: options.responseTimeoutMs });
  } else if (options.serial) {
    const modeE = options.serial.modeE;
    transport = await openSerialTransport({
      path: options.serial.path,
      binding: options.serial.binding,
      ...(modeE ? { baudRate: 300, dataBits: 7, parity: 'even' } : { baudRate: options.serial.baudRate ?? 9600, dataBits: 8, parity: 'none' }),
    });
    if (modeE) {
      try {
        await openModeE(transport, modeE === true ? {} : modeE);
      } catch (error) {
        await transport.close();
        throw error;
      }
    }
  } else {
    throw new TypeError('a DLMS endpoint needs tcp or serial');
  }
  return new HdlcChannel(transport, {
    client: options.client ?? 16,
    logicalDevice: options.logicalDevice,
    physicalDevice: options.physicalDevice,
    addressSize: options.addressSize,
    parameters: options.hdlc,
    responseTimeoutMs: options.responseTimeoutMs,
    maxRetries: options.maxRetries,
  });
}

/** Opens the transport and the link (SNRM/UA for HDLC); the session is not associated yet. */
export async function openDlmsSession(options: DlmsClientOptions): Promise<DlmsSession> {
  const channel = await openChannel(options);
  try {
    await channel.open();
  } catch (error) {
    await channel.close();
    throw error;
  }
  return new DlmsSession(channel, options.association);
}

/** Opens, associates, runs `work`, and always releases. */
export async function withDlmsSession<T>(options: DlmsClientOptions, work: (session: DlmsSession) => Promise<T>): Promise<T> {
  const session = await openDlmsSession(options);
  try {
    await session.associate();
    return await work(session);
  } finally {
    await session.release();
  }
}
