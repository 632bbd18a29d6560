/**
 * The technician tool's client of the pairing registrar: each request signed with the
 * technician's key and carrying the intermediary's credential (technician-credential.ts),
 * over HTTPS (a private CA may be given) or plain HTTP.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Signer } from '@wattledger/protocol';
import { encodePairingResult, type PairingResult } from '@wattledger/protocol/pairing';
import { isRegistrarErrorCode, RegistrarError, RegistrarErrorCode } from '../errors.js';
import { RegistrarRequestKind } from '../registrar.js';
import { decodeEnrollAnswer, decodeRegisterAnswer, encodeCancelRequest, encodeEnrollRequest, type EnrollAnswer, type EnrollRequest, type RegisterAnswer } from '../registrar-messages.js';
import { signRegistrarRequest } from '../technician-credential.js';

export interface RegistrarClientOptions {
  readonly url: string;
  readonly credential: Uint8Array;
  readonly technician: Signer;
  /** PEM of a CA to trust for the registrar's certificate. */
  readonly ca?: string | Buffer;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** The registrar could not be reached at all (network, TLS, timeout). */
export class RegistrarUnreachableError extends Error {
  readonly code = 'REGISTRAR_UNREACHABLE';
  override get name(): string {
    return 'RegistrarUnreachableError';
  }
}

export class RegistrarClient {
  private readonly base: URL;

  constructor(private readonly options: RegistrarClientOptions) {
    this.base = new URL(options.url);
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') throw new TypeError(`registrar URL must be https:// (or http:// on a test bench), got ${options.url}`);
  }

  async enroll(request: EnrollRequest): Promise<EnrollAnswer> {
    return decodeEnrollAnswer(await this.post(RegistrarRequestKind.ENROLL, encodeEnrollRequest(request)));
  }

  async register(result: PairingResult): Promise<RegisterAnswer> {
    return decodeRegisterAnswer(await this.post(RegistrarRequestKind.REGISTER, encodePairingResult(result)));
  }

  /** Gives up an enrollment that will not be registered: the registrar revokes the credential it issued. */
  async cancel(meterId: string): Promise<void> {
    await this.post(RegistrarRequestKind.CANCEL, encodeCancelRequest(meterId));
  }

  private post(kind: string, body: Uint8Array): Promise<Uint8Array> {
    const { options } = this;
    const signed = signRegistrarRequest(options.technician, { kind, credential: options.credential, issuedAtMs: (options.now ?? Date.now)(), nonce: new Uint8Array(randomBytes(16)), body });
    const url = new URL(`v1/pairing/${kind}`, this.base.href.endsWith('/') ? this.base : `${this.base.href}/`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'POST', headers: { 'content-type': 'application/cose', 'content-length': signed.length }, timeout: options.timeoutMs ?? 15_000, ...(options.ca === undefined ? {} : { ca: options.ca }) }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('error', (error) => reject(new RegistrarUnreachableError(`registrar ${url.origin}: ${error.message}`, { cause: error })));
        response.on('end', () => {
          const bytes = Buffer.concat(chunks);
          if (response.statusCode === 200) return resolve(new Uint8Array(bytes));
          let parsed: { error?: unknown; message?: unknown } = {};
          try {
            parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
          } catch {
            // not JSON: reported below with the status
          }
          const code = isRegistrarErrorCode(parsed.error) ? parsed.error : RegistrarErrorCode.BAD_REQUEST;
          reject(new RegistrarError(code, typeof parsed.message === 'string' ? parsed.message : `registrar answered HTTP ${response.statusCode}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${(options.timeoutMs ?? 15_000) / 1000} s`)));
      req.on('error', (error) => reject(new RegistrarUnreachableError(`registrar ${url.origin} unreachable: ${error.message}`, { cause: error })));
      req.end(signed);
    });
  }
}
