/**
 * Starts the pairing registrar inside a running gateway: its HTTP(S) endpoint, wired to the
 * gateway's ledger client, meter registry, MQTT credential store and keys.
 */
import type { Logger } from 'pino';
import { nodeEd25519 } from '@wattledger/protocol/node';
import type { GatewayIdentity } from '../config/keys.js';
import type { LedgerClient } from '../forward/ledger-client.js';
import type { CredentialStore } from '../ingress/credentials.js';
import type { MeterRegistry } from '../registry/registry.js';
import type { PairingConfig } from './pairing-config.js';
import { Registrar } from './registrar.js';
import { startRegistrarServer } from './registrar-server.js';

export interface PairingRegistrarDeps {
  readonly identity: GatewayIdentity;
  readonly ledger: LedgerClient;
  readonly registry: MeterRegistry;
  readonly credentials: CredentialStore;
  /** The embedded broker's URL, when pairing.brokerUrl is not set. */
  readonly defaultBrokerUrl: string;
  readonly now?: () => number;
  readonly logger?: Logger;
}

export interface PairingRegistrarService {
  readonly url: string;
  readonly registrar: Registrar;
  close(): Promise<void>;
}

export async function startPairingRegistrar(config: PairingConfig, deps: PairingRegistrarDeps): Promise<PairingRegistrarService> {
  const { identity } = deps;
  const brokerUrl = config.brokerUrl ?? deps.defaultBrokerUrl;
  const registrar = new Registrar({
    intermediaryId: identity.intermediaryId,
    intermediaryPublicKey: identity.intermediary.publicKey,
    verifier: nodeEd25519,
    gateway: { signer: identity.gateway, partyId: identity.gatewayPartyId },
    ledger: deps.ledger,
    registry: deps.registry,
    credentials: deps.credentials,
    brokerUrl,
    intervalLength: config.intervalLength,
    enrollmentTtlMs: config.enrollmentTtlS * 1000,
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  const server = await startRegistrarServer(registrar, {
    host: config.host,
    port: config.port,
    ...(config.tls === undefined ? {} : { tls: config.tls }),
    info: { intermediaryId: identity.intermediaryId, brokerUrl, intervalLength: config.intervalLength, tls: config.tls !== undefined },
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
  });
  return { url: server.url, registrar, close: () => server.close() };
}
