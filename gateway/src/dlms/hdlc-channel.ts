/**
 * Shell around the pure HDLC link state machine (@wattledger/protocol/dlms HdlcLink): performs
 * its effects on a byte transport with a real timer, and turns them into promises.
 */
import { HdlcError, HdlcErrorCode, HdlcLink, clientAddress, serverAddress, type HdlcLinkEffect, type HdlcParameters } from '@wattledger/protocol/dlms';
import type { ApduChannel } from './channel.js';
import { TransportError, TransportErrorCode, type ByteTransport } from './transport.js';

export interface HdlcChannelOptions {
  /** Client SAP (16 public client, 1 management, ...). */
  readonly client: number;
  /** Server upper (logical device) address, usually 1. */
  readonly logicalDevice?: number;
  /** Server lower (physical device) address, e.g. the last digits of the serial number. */
  readonly physicalDevice?: number;
  readonly addressSize?: 1 | 2 | 4;
  readonly parameters?: HdlcParameters;
  readonly responseTimeoutMs?: number;
  readonly maxRetries?: number;
  /** Send the parameter proposal in the SNRM (default true). */
  readonly negotiate?: boolean;
}

type Pending = { kind: 'connect' | 'request' | 'disconnect'; resolve: (apdu?: Uint8Array) => void; reject: (error: Error) => void; onProgress?: ((n: number) => void) | undefined };

export class HdlcChannel implements ApduChannel {
  readonly description: string;
  readonly #transport: ByteTransport;
  readonly #link: HdlcLink;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending: Pending | undefined;
  #closed: Error | undefined;
  defects = 0;

  constructor(transport: ByteTransport, options: HdlcChannelOptions) {
    const server = serverAddress(options.logicalDevice ?? 1, options.physicalDevice, options.addressSize);
    this.#transport = transport;
    this.#link = new HdlcLink({
      role: 'client',
      local: clientAddress(options.client),
      remote: server,
      parameters: options.parameters,
      responseTimeoutMs: options.responseTimeoutMs,
      maxRetries: options.maxRetries,
      negotiate: options.negotiate,
    });
    this.description = `HDLC ${options.client}->${server.upper}${server.lower === undefined ? '' : `/${server.lower}`} over ${transport.name}`;
    transport.onData((bytes) => this.#run(this.#link.receive(bytes)));
    transport.onClose((error) => {
      this.#closed = error ?? new TransportError(TransportErrorCode.CLOSED, `${transport.name}: connection closed by the meter`);
      this.#clearTimer();
      this.#settle((p) => p.kind === 'disconnect' ? p.resolve() : p.reject(this.#closed!));
    });
  }

  get parameters(): HdlcParameters {
    return this.#link.parameters;
  }

  open(): Promise<void> {
    return this.#start('connect', () => this.#link.connect()).then(() => undefined);
  }

  request(apdu: Uint8Array, onProgress?: (receivedBytes: number) => void): Promise<Uint8Array> {
    return this.#start('request', () => this.#link.send(apdu), onProgress) as Promise<Uint8Array>;
  }

  async close(): Promise<void> {
    try {
      if (this.#closed === undefined && this.#link.state === 'connected' && this.#pending === undefined) await this.#start('disconnect', () => this.#link.disconnect());
    } catch {
      // A meter that does not answer DISC is released anyway when the transport closes.
    }
    this.#clearTimer();
    await this.#transport.close();
  }

  #start(kind: Pending['kind'], begin: () => HdlcLinkEffect[], onProgress?: (n: number) => void): Promise<Uint8Array | undefined> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (this.#pending !== undefined) return Promise.reject(new TypeError(`HDLC channel busy with a ${this.#pending.kind}; one request at a time`));
    return new Promise((resolve, reject) => {
      this.#pending = { kind, resolve: resolve as (apdu?: Uint8Array) => void, reject, onProgress };
      try {
        this.#run(begin());
      } catch (error) {
        this.#pending = undefined;
        reject(error as Error);
      }
    });
  }

  #settle(action: (pending: Pending) => void): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) action(pending);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run(effects: HdlcLinkEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          this.#transport.write(effect.bytes).catch((error: Error) => {
            this.#clearTimer();
            this.#settle((p) => p.reject(error));
          });
          break;
        case 'timer':
          this.#clearTimer();
          this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#run(this.#link.timeout());
          }, effect.ms);
          break;
        case 'cancel-timer':
          this.#clearTimer();
          break;
        case 'connected':
          if (this.#pending?.kind === 'connect') this.#settle((p) => p.resolve());
          break;
        case 'apdu':
          if (this.#pending?.kind === 'request') this.#settle((p) => p.resolve(effect.apdu));
          break;
        case 'segment':
          this.#pending?.onProgress?.(effect.received);
          break;
        case 'disconnected':
          this.#settle((p) => (p.kind === 'disconnect' ? p.resolve() : p.reject(new HdlcError(HdlcErrorCode.DISCONNECTED, `HDLC: the meter ended the link (${effect.reason})`))));
          break;
        case 'error':
          this.#clearTimer();
          this.#settle((p) => p.reject(effect.error));
          break;
        case 'defect':
          this.defects++;
          break;
        case 'ui':
          break;
      }
    }
  }
}
