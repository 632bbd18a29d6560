/**
 * The pairing registrar (DESIGN §8, §6): the gateway's side of a technician's pairing.
 *
 *  1. enroll   (after the meter proved its identity in the session, before PROVISION): checks
 *              the technician's credential and the meter's key binding, issues the meter's
 *              MQTT credential (username = meter id) and answers the values to provision;
 *  (cancel: the technician gave up after enrolling; the fresh credential is revoked at once)
 *  2. register (after the meter staged them): checks the whole pairing result offline
 *              (`verifyPairingResult`: binding and the meter's signed receipt), that it is the
 *              enrolled session with the issued credential, then submits register-meter signed
 *              by the gateway key and adds the meter to the registry, so its first reading is
 *              accepted and acknowledged, which commits the pairing on the meter.
 *
 * Every refusal is a RegistrarError and changes nothing. An enrollment not registered in time
 * is dropped and its credential revoked (if the meter had none before).
 */
import { buildLedgerTx, encodeCbor, equalBytes, MeterRole, NO_PRODUCTION_METHOD, registerMeterBody, TxType, txId, type Verifier } from '@wattledger/protocol';
import { decodePairingResult, PairingError, validateProvisioning, verifyBinding, verifyPairingResult, type MeterRole as PairingMeterRole } from '@wattledger/protocol/pairing';
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { LedgerUnavailableError } from '../errors.js';
import type { LedgerClient } from '../forward/ledger-client.js';
import type { TxSigner } from '../forward/ledger-tx.js';
import type { CredentialStore } from '../ingress/credentials.js';
import type { MeterRegistry } from '../registry/registry.js';
import { RegistrarError, RegistrarErrorCode } from './errors.js';
import { decodeCancelRequest, decodeEnrollRequest, encodeEnrollAnswer, encodeRegisterAnswer, type EnrollRequest, type RegisterStatus } from './registrar-messages.js';
import { NonceCache, openRegistrarRequest, type TechnicianCredential } from './technician-credential.js';

export const RegistrarRequestKind = Object.freeze({ ENROLL: 'enroll', REGISTER: 'register', CANCEL: 'cancel' } as const);
export type RegistrarRequestKind = (typeof RegistrarRequestKind)[keyof typeof RegistrarRequestKind];

/** Covers the meter's default fail-safe (40 min) with a margin. */
export const DEFAULT_ENROLLMENT_TTL_MS = 45 * 60_000;

export interface RegistrarDeps {
  readonly intermediaryId: string;
  /** Key that signs technician credentials. */
  readonly intermediaryPublicKey: Uint8Array;
  readonly verifier: Verifier;
  /** Signs register-meter (the ledger accepts the intermediary or one of its gateways). */
  readonly gateway: TxSigner;
  readonly ledger: Pick<LedgerClient, 'submit'>;
  readonly registry: MeterRegistry;
  readonly credentials: Pick<CredentialStore, 'issue' | 'revoke'>;
  /** Broker URL meters are given (mqtt:// or mqtts://host:port as they reach the gateway). */
  readonly brokerUrl: string;
  /** The ledger's interval length, s. */
  readonly intervalLength: number;
  readonly enrollmentTtlMs?: number;
  readonly now?: () => number;
  readonly logger?: Logger;
}

interface Enrollment {
  readonly request: EnrollRequest;
  readonly technician: string;
  readonly owner: string;
  readonly passwordDigest: Uint8Array;
  readonly validUntilMs: number;
  /** The meter had no credential before: revoke the issued one if the enrollment expires. */
  readonly fresh: boolean;
}

export interface RegistrarStats {
  readonly enrolled: number;
  readonly registered: number;
  readonly refused: Readonly<Record<string, number>>;
}

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text).digest());
}

function sameRole(a: PairingMeterRole, b: PairingMeterRole): boolean {
  return a.kind === 'producer' ? b.kind === 'producer' && a.productionMethod === b.productionMethod : b.kind === 'consumer' && a.userId === b.userId;
}

export class Registrar {
  private readonly enrollments = new Map<string, Enrollment>();
  private readonly nonces = new NonceCache();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private counts = { enrolled: 0, registered: 0 };
  private readonly refusals = new Map<string, number>();

  constructor(private readonly deps: RegistrarDeps) {
    this.now = deps.now ?? Date.now;
    this.ttlMs = deps.enrollmentTtlMs ?? DEFAULT_ENROLLMENT_TTL_MS;
    validateProvisioning({ intermediaryId: deps.intermediaryId, brokerUrl: deps.brokerUrl, mqttUsername: 'x', mqttPassword: 'x', role: { kind: 'producer', productionMethod: 1 }, intervalLength: deps.intervalLength });
  }

  stats(): RegistrarStats {
    return { ...this.counts, refused: Object.fromEntries(this.refusals) };
  }

  /** Handles one signed request of `kind`; returns the CBOR answer or throws a RegistrarError. */
  async handle(kind: string, requestBytes: Uint8Array): Promise<Uint8Array> {
    try {
      this.sweep();
      const { deps } = this;
      const request = openRegistrarRequest(requestBytes, { intermediaryId: deps.intermediaryId, intermediaryPublicKey: deps.intermediaryPublicKey, verifier: deps.verifier, nowMs: this.now(), nonces: this.nonces });
      if (request.kind !== kind) throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, `request signed for "${request.kind}" sent to "${kind}"`);
      if (kind === RegistrarRequestKind.ENROLL) return this.enroll(request.technician, request.body);
      if (kind === RegistrarRequestKind.REGISTER) return await this.register(request.technician, request.body);
      if (kind === RegistrarRequestKind.CANCEL) return this.cancel(request.technician, request.body);
      throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, `unknown registrar request "${kind}"`);
    } catch (error) {
      if (error instanceof RegistrarError) {
        this.refusals.set(error.code, (this.refusals.get(error.code) ?? 0) + 1);
        this.deps.logger?.warn({ code: error.code, kind }, `pairing registrar refused: ${error.message}`);
      }
      throw error;
    }
  }

  private enroll(technician: TechnicianCredential, body: Uint8Array): Uint8Array {
    const { deps } = this;
    const request = decodeEnrollRequest(body);
    try {
      verifyBinding(request.binding, request.meterPublicKey, { meterId: request.meterId, staticKey: request.staticKey, handshakeHash: request.handshakeHash }, deps.verifier);
    } catch (error) {
      if (error instanceof PairingError) throw new RegistrarError(RegistrarErrorCode.BAD_BINDING, error.message, { cause: error });
      throw error;
    }
    const known = deps.registry.get(request.meterId);
    if (known !== undefined && (!equalBytes(known.publicKey, request.meterPublicKey) || known.intermediary !== deps.intermediaryId)) {
      throw new RegistrarError(RegistrarErrorCode.METER_TAKEN, `meter ${request.meterId} is registered under intermediary ${known.intermediary} with another key`);
    }
    const owner = this.ownerOf(request);
    this.registerTx(request, owner); // refuses bad owner / method / power before anything is issued
    const password = deps.credentials.issue(request.meterId);
    const validUntilMs = this.now() + this.ttlMs;
    this.enrollments.set(request.meterId, { request, technician: technician.name, owner, passwordDigest: sha256(password), validUntilMs, fresh: known === undefined });
    this.counts.enrolled++;
    deps.logger?.info({ meter: request.meterId, technician: technician.name }, 'pairing: meter enrolled, MQTT credential issued');
    return encodeEnrollAnswer({ intermediaryId: deps.intermediaryId, brokerUrl: deps.brokerUrl, mqttUsername: request.meterId, mqttPassword: password, intervalLength: deps.intervalLength, validUntilMs });
  }

  private async register(technician: TechnicianCredential, body: Uint8Array): Promise<Uint8Array> {
    const { deps } = this;
    let result;
    try {
      result = decodePairingResult(body);
      verifyPairingResult(result, deps.verifier);
    } catch (error) {
      if (error instanceof PairingError) {
        throw new RegistrarError(error.code === 'BAD_BINDING' ? RegistrarErrorCode.BAD_BINDING : RegistrarErrorCode.BAD_REQUEST, error.message, { cause: error });
      }
      throw error;
    }
    const enrollment = this.enrollments.get(result.meterId);
    if (enrollment === undefined) throw new RegistrarError(RegistrarErrorCode.NOT_ENROLLED, `meter ${result.meterId} has no enrollment here (never enrolled, or it expired)`);
    const { request } = enrollment;
    const p = result.provisioning;
    const mismatch =
      !equalBytes(result.meterPublicKey, request.meterPublicKey) ? 'meter key'
      : !equalBytes(result.handshakeHash, request.handshakeHash) ? 'pairing session'
      : p.intermediaryId !== deps.intermediaryId ? 'intermediary'
      : p.brokerUrl !== deps.brokerUrl ? 'broker URL'
      : p.mqttUsername !== result.meterId || !equalBytes(p.mqttPasswordDigest, enrollment.passwordDigest) ? 'MQTT credential'
      : p.intervalLength !== deps.intervalLength ? 'interval length'
      : !sameRole(p.role, request.role) ? 'role'
      : undefined;
    if (mismatch !== undefined) throw new RegistrarError(RegistrarErrorCode.MISMATCH, `the meter staged another ${mismatch} than was enrolled for meter ${result.meterId}`);

    const tx = this.registerTx(request, enrollment.owner);
    let status: RegisterStatus;
    const known = deps.registry.get(result.meterId);
    if (known !== undefined && equalBytes(known.publicKey, request.meterPublicKey) && known.intermediary === deps.intermediaryId) {
      status = 'already-registered';
    } else {
      let answer;
      try {
        answer = await deps.ledger.submit(tx.bytes);
      } catch (error) {
        if (error instanceof LedgerUnavailableError) throw new RegistrarError(RegistrarErrorCode.LEDGER_UNAVAILABLE, error.message, { cause: error });
        throw new RegistrarError(RegistrarErrorCode.LEDGER_REFUSED, (error as Error).message, { cause: error });
      }
      if (answer.status === 'rejected') {
        if (answer.code === 'METER_EXISTS') throw new RegistrarError(RegistrarErrorCode.METER_TAKEN, `the ledger already has meter ${result.meterId}: ${answer.reason ?? ''}`.trim());
        throw new RegistrarError(RegistrarErrorCode.LEDGER_REFUSED, `the ledger refused register-meter for ${result.meterId}: ${answer.code ?? ''} ${answer.reason ?? ''}`.trim());
      }
      status = answer.status;
    }
    deps.registry.upsert({
      id: result.meterId, publicKey: request.meterPublicKey, intermediary: deps.intermediaryId, role: this.ledgerRole(request.role),
      productionMethod: request.role.kind === 'producer' ? request.role.productionMethod : NO_PRODUCTION_METHOD, ratedPowerW: request.ratedPowerW,
      lastSeq: known?.lastSeq, lastReadingHash: known?.lastReadingHash,
    });
    this.enrollments.delete(result.meterId);
    this.counts.registered++;
    deps.logger?.info({ meter: result.meterId, technician: technician.name, tx: tx.id, status }, 'pairing: meter registered');
    return encodeRegisterAnswer({ txId: tx.id, status });
  }

  /** The technician gave up after enrolling (the meter refused or staged nothing): the issued credential is revoked now. */
  private cancel(technician: TechnicianCredential, body: Uint8Array): Uint8Array {
    const meterId = decodeCancelRequest(body);
    const enrollment = this.enrollments.get(meterId);
    if (enrollment === undefined) return encodeCbor(false);
    if (enrollment.technician !== technician.name) throw new RegistrarError(RegistrarErrorCode.UNAUTHORIZED, `meter ${meterId} was enrolled by technician "${enrollment.technician}"`);
    this.enrollments.delete(meterId);
    if (enrollment.fresh) this.deps.credentials.revoke(meterId);
    this.deps.logger?.info({ meter: meterId, technician: technician.name }, 'pairing: enrollment cancelled; credential revoked');
    return encodeCbor(true);
  }

  private ledgerRole(role: PairingMeterRole): MeterRole {
    return role.kind === 'producer' ? MeterRole.PRODUCER : MeterRole.CONSUMER;
  }

  private ownerOf(request: EnrollRequest): string {
    if (request.owner !== undefined) return request.owner;
    if (request.role.kind === 'producer') return this.deps.intermediaryId;
    return request.role.userId;
  }

  /** The register-meter transaction (deterministic: the same enrollment gives the same tx id). */
  private registerTx(request: EnrollRequest, owner: string): { id: string; bytes: Uint8Array } {
    const { deps } = this;
    try {
      const body = registerMeterBody({
        meterId: request.meterId, publicKey: request.meterPublicKey, role: this.ledgerRole(request.role), owner, intermediary: deps.intermediaryId,
        productionMethod: request.role.kind === 'producer' ? request.role.productionMethod : NO_PRODUCTION_METHOD, ratedPowerW: request.ratedPowerW,
      });
      const bytes = buildLedgerTx(TxType.REGISTER_METER, body, { signer: deps.gateway.signer, signerId: deps.gateway.partyId, nonce: 0 });
      return { id: txId(bytes), bytes };
    } catch (cause) {
      throw new RegistrarError(RegistrarErrorCode.BAD_REQUEST, `the meter cannot be registered as asked: ${(cause as Error).message}`, { cause });
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [meterId, enrollment] of this.enrollments) {
      if (enrollment.validUntilMs > now) continue;
      this.enrollments.delete(meterId);
      if (enrollment.fresh) this.deps.credentials.revoke(meterId);
      this.deps.logger?.info({ meter: meterId }, 'pairing: enrollment expired without registration; credential revoked');
    }
  }
}
