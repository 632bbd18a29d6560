/** IEC 62056-47 wrapper over TCP: one wrapper message per APDU, the header is the only framing. */
import { encodeWrapper, WrapperParser, type WrapperError } from '@wattledger/protocol/dlms';
import type { ApduChannel } from './channel.js';
import { TransportError, TransportErrorCode, type ByteTransport } from './transport.js';

export interface WrapperChannelOptions {
  /** Client wPort (SAP), e.g. 16. */
  readonly client: number;
  /** Server wPort (logical device), usually 1. */
  readonly server?: number;
  readonly responseTimeoutMs?: number;
}

export class WrapperChannel implements ApduChannel {
  readonly description: string;
  readonly #transport: ByteTransport;
  readonly #parser = new WrapperParser();
  readonly #client: number;
  readonly #server: number;
  readonly #timeoutMs: number;
  #pending: { resolve: (apdu: Uint8Array) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> } | undefined;
  #failed: Error | undefined;
  foreignMessages = 0;

  constructor(transport: ByteTransport, options: WrapperChannelOptions) {
    this.#transport = transport;
    this.#client = options.client;
    this.#server = options.server ?? 1;
    this.#timeoutMs = options.responseTimeoutMs ?? 5000;
    this.description = `wrapper ${this.#client}->${this.#server} over ${transport.name}`;
    transport.onData((bytes) => {
      for (const event of this.#parser.push(bytes)) {
        if (event.type === 'error') this.#fail(event.error);
        else if (event.message.source !== this.#server || event.message.destination !== this.#client) this.foreignMessages++;
        else this.#settle()?.resolve(event.message.apdu);
      }
    });
    transport.onClose((error) => this.#fail(error ?? new TransportError(TransportErrorCode.CLOSED, `${transport.name}: connection closed by the meter`)));
  }

  async open(): Promise<void> {
    if (this.#failed) throw this.#failed;
  }

  request(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#pending) return Promise.reject(new TypeError('wrapper channel busy: one request at a time'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle()?.reject(new TransportError(TransportErrorCode.TIMEOUT, `${this.#transport.name}: no answer from the meter within ${this.#timeoutMs} ms (wrapper)`));
      }, this.#timeoutMs);
      this.#pending = { resolve, reject, timer };
      this.#transport.write(encodeWrapper({ source: this.#client, destination: this.#server, apdu })).catch((error: Error) => this.#settle()?.reject(error));
    });
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  #settle(): { resolve: (apdu: Uint8Array) => void; reject: (error: Error) => void } | undefined {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending !== undefined) clearTimeout(pending.timer);
    return pending;
  }

  #fail(error: Error | WrapperError): void {
    this.#failed ??= error;
    this.#settle()?.reject(error);
  }
}
