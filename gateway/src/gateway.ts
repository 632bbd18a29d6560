/**
 * Assembles a gateway (DESIGN §6) from its configuration: journal, meter registry synced from
 * the ledger, verification pool, pipeline, MQTT ingress (embedded or external broker),
 * forwarder, interval closer and the operations endpoint. The CLI and in-process users (the
 * demo, the benchmarks, tests) both start it through `startGateway`.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { loadIdentity } from './config/keys.js';
import type { GatewayConfig } from './config/schema.js';
import { Forwarder } from './forward/forwarder.js';
import { IntervalCloser } from './forward/interval-closer.js';
import { LedgerClient } from './forward/ledger-client.js';
import { CredentialStore } from './ingress/credentials.js';
import { startEmbeddedBroker } from './ingress/embedded-broker.js';
import { startExternalBroker } from './ingress/external-broker.js';
import type { Ingress, IngressHandlers, IngressUrls } from './ingress/ingress.js';
import { Presence } from './ingress/presence.js';
import { Journal } from './journal/journal.js';
import { JournalWriter } from './journal/writer-client.js';
import { createGatewayMetrics, type GatewayMetrics } from './ops/gateway-metrics.js';
import { startOpsServer, type OpsHttpServer } from './ops/http-server.js';
import { createLogger } from './ops/logger.js';
import { Pipeline } from './pipeline/pipeline.js';
import { RejectReason, RejectionLog } from './pipeline/rejection.js';
import { ReadingRefusedError } from './errors.js';
import { MeterRegistry } from './registry/registry.js';
import { RegistrySync } from './registry/registry-sync.js';
import { VerifyPool } from './verify/verify-pool.js';
import { startPairingRegistrar, type PairingRegistrarService } from './pairing/registrar-service.js';
import type { DlmsBridge } from './dlms/gateway-bridge.js';

export interface GatewayOptions {
  /** Defaults to a pino logger at config.log.level on stdout. */
  readonly logger?: Logger;
  /** Wall clock in ms (plausibility "not from the future", interval closing). Defaults to Date.now. */
  readonly now?: () => number;
}

export interface GatewayStats {
  readonly messagesReceived: number;
  readonly readingsAccepted: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly acksPublished: number;
  readonly journalLagReadings: number;
  readonly ledgerLagReadings: number;
  readonly connectedMeters: number;
  readonly registryMeters: number;
  readonly intervalsClosed: number;
}

export interface Gateway {
  /** mqtt://host:port of the embedded broker's TCP listener, or the external broker URL. */
  readonly brokerUrl: string;
  readonly urls: IngressUrls;
  /** http://host:port of /metrics and /health, if enabled. */
  readonly httpUrl: string | undefined;
  /** http(s)://host:port of the pairing registrar, if `pairing` is configured. */
  readonly pairingUrl: string | undefined;
  /** Party id of the gateway (signer of issue-asset and record-usage). */
  readonly partyId: string;
  readonly intermediaryId: string;
  readonly metrics: GatewayMetrics;
  stats(): GatewayStats;
  /** Issues the MQTT credential of a meter (embedded broker); returns the token for the meter. */
  issueCredential(meterId: string): string;
  /** The MQTT credential store of the embedded broker (for the pairing registrar). */
  readonly credentials: CredentialStore;
  /**
   * Hands over readings made and signed by this gateway for a legacy meter (the DLMS poller's
   * `onReading`): verified with the gateway's key, gateway-attested flag required, then chained,
   * journaled and forwarded like any meter's. Resolves once durable: 'journaled', 'quarantined'
   * (kept, implausible, not forwarded) or 'duplicate' (already journaled); rejects with
   * ReadingRefusedError naming the reason otherwise.
   */
  submitAttested(meterId: string, signedReadings: Uint8Array): Promise<'journaled' | 'quarantined' | 'duplicate'>;
  /** The DLMS bridge (config `dlms`), polling on its schedule; `dlms.pollAll()` polls now. */
  readonly dlms: DlmsBridge | undefined;
  /** Fetches the meter registry from the ledger now; true on success. */
  syncRegistry(): Promise<boolean>;
  /** Resolves when everything received so far is journaled, acknowledged and answered by the ledger. */
  flush(options?: { closeIntervals?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.log.level);
  const now = options.now ?? Date.now;
  const identity = loadIdentity(config.identity);
  const journal = new Journal(config.dataDir);
  const cleanup: Array<() => Promise<void> | void> = [() => journal.close()];
  const undo = async (): Promise<void> => {
    for (const step of cleanup.reverse()) await step();
  };
  try {
    const registry = new MeterRegistry();
    const presence = new Presence();
    let ingress: Ingress | undefined;
    let pipeline: Pipeline | undefined;
    let ledgerReachable: boolean | undefined;
    const metrics = createGatewayMetrics({
      connectedMeters: () => presence.count,
      mqttClients: () => ingress?.clients() ?? 0,
      journalPending: () => pipeline?.journalLag ?? 0,
      ledgerLagReadings: () => journal.ledgerBacklog().readings,
      ledgerLagSeconds: () => {
        const oldest = journal.ledgerBacklog().oldestReceivedMs;
        return oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000);
      },
      registryMeters: () => registry.size,
    });
    const rejections = new RejectionLog({ counter: metrics.rejected, logger });
    const client = new LedgerClient(config.ledger.url, config.ledger.requestTimeoutMs);
    const sync = new RegistrySync({
      client,
      registry,
      intermediaryId: identity.intermediaryId,
      intervalMs: config.ledger.registrySyncMs,
      minGapMs: 250,
      metrics,
      logger,
      onSynced: () => pipeline?.registrySynced(),
    });
    cleanup.push(() => sync.close());
    if (!(await sync.sync())) logger.warn({ ledger: config.ledger.url }, 'starting without a meter registry: readings are refused as unknown_meter until the ledger answers');
    sync.start();

    const pool = await VerifyPool.start(config.pipeline.verifyWorkers);
    cleanup.push(() => pool.close());
    const writer = await JournalWriter.start(config.dataDir);
    cleanup.push(() => writer.close());
    const gatewaySigner = { signer: identity.gateway, partyId: identity.gatewayPartyId };
    const forwarder = new Forwarder({
      journal,
      recordForwarded: (outcomes) => writer.recordForwarded(outcomes),
      client,
      gateway: gatewaySigner,
      batchSize: config.ledger.batchSize,
      retryMaxMs: config.ledger.retryMaxMs,
      metrics,
      logger,
      onLedgerReachable: (reachable) => (ledgerReachable = reachable),
    });
    cleanup.push(() => forwarder.close());
    const activePipeline = new Pipeline({
      config: config.pipeline,
      maxPayloadBytes: config.mqtt.maxPayloadBytes,
      registry,
      journal,
      writer,
      pool,
      attestationKey: identity.gateway.publicKey,
      metrics,
      rejections,
      logger,
      now,
      publishAck: (meterId, seq) => ingress?.publishAck(meterId, seq),
      onCommitted: () => forwarder.kick(),
      requestRegistrySync: () => sync.request(),
    });
    pipeline = activePipeline;
    cleanup.push(() => activePipeline.close());

    const credentials = new CredentialStore(journal.db);
    const handlers: IngressHandlers = {
      onReadings: (meterId, payload, receivedAt) => activePipeline.submit({ topicMeterId: meterId, payload, receivedAt }),
      onStatus: (meterId, payload) => {
        const state = presence.update(meterId, payload);
        if (state !== undefined) logger.debug({ meter: meterId, state }, 'meter status');
      },
      onReject: (reason, meterId, detail) => rejections.reject(reason, meterId, detail),
    };
    const mqtt = config.mqtt;
    ingress =
      mqtt.mode === 'external'
        ? await startExternalBroker({ config: mqtt.external!, ackQos: mqtt.ackQos, handlers })
        : await startEmbeddedBroker({ config: mqtt.embedded, maxPayloadBytes: mqtt.maxPayloadBytes, ackQos: mqtt.ackQos, credentials, handlers });
    const activeIngress = ingress;
    cleanup.push(() => activeIngress.close());
    forwarder.kick(); // resume what a previous run journaled but did not forward

    const closer = new IntervalCloser({
      journal,
      client,
      intermediary: { signer: identity.intermediary, partyId: identity.intermediaryId },
      graceS: config.ledger.closeGraceS,
      checkMs: config.ledger.closeCheckMs,
      now,
      metrics,
      logger,
    });
    if (config.ledger.closeIntervals) closer.start();
    cleanup.push(() => closer.close());

    let ops: OpsHttpServer | undefined;
    const stats = (): GatewayStats => ({
      messagesReceived: metrics.messagesReceived.get(),
      readingsAccepted: metrics.readingsAccepted.get(),
      rejected: Object.fromEntries(metrics.rejected.entries().map((e) => [e.labels?.['reason'] ?? '', e.value])),
      acksPublished: metrics.acksPublished.get(),
      journalLagReadings: activePipeline.journalLag,
      ledgerLagReadings: journal.ledgerBacklog().readings,
      connectedMeters: presence.count,
      registryMeters: registry.size,
      intervalsClosed: metrics.intervalsClosed.get(),
    });
    if (config.http !== undefined) {
      const started = performance.now();
      ops = await startOpsServer(config.http.host, config.http.port, () => metrics.registry.render(), () => ({
        ok: activePipeline.journalHealthy,
        uptimeS: Math.round((performance.now() - started) / 1000),
        mqtt: activeIngress.urls,
        ledger: { url: config.ledger.url, reachable: ledgerReachable ?? null, registryMeters: registry.size },
        journal: { file: journal.file, ...journal.messageCounts(), lagReadings: activePipeline.journalLag },
      }));
      const activeOps = ops;
      cleanup.push(() => activeOps.close());
    }
    let pairing: PairingRegistrarService | undefined;
    if (config.pairing !== undefined) {
      pairing = await startPairingRegistrar(config.pairing, { identity, ledger: client, registry, credentials, defaultBrokerUrl: activeIngress.urls.mqtt, logger });
      const activePairing = pairing;
      cleanup.push(() => activePairing.close());
    }
    const submitAttested = (meterId: string, signedReadings: Uint8Array): Promise<'journaled' | 'quarantined' | 'duplicate'> =>
      new Promise((resolve, reject) => {
        activePipeline.submit({
          topicMeterId: meterId,
          payload: signedReadings,
          receivedAt: performance.now(),
          attested: true,
          onDone: (outcome) =>
            outcome === 'journaled' || outcome === 'quarantined' || outcome === RejectReason.DUPLICATE ? resolve(outcome) : reject(new ReadingRefusedError(outcome, meterId)),
        });
      });
    let dlms: DlmsBridge | undefined;
    if (config.dlms !== undefined) {
      // Loaded only when configured: the bridge brings the DLMS stack and node-serialport.
      const { createDlmsBridge } = await import('./dlms/gateway-bridge.js');
      const bridge = createDlmsBridge({
        config: config.dlms,
        db: journal.db,
        signer: identity.gateway,
        gatewayPartyId: identity.gatewayPartyId,
        submit: submitAttested,
        journaledSeq: (meterId) => journal.head(meterId)?.seq,
        registeredAttestor: (meterId) => registry.get(meterId),
        metrics: metrics.registry,
        logger,
        now,
      });
      dlms = bridge;
      // Closed before the pipeline (cleanup runs in reverse): a poll in progress still hands its readings over.
      cleanup.push(() => bridge.close());
      bridge.start();
    }
    logger.info({ mqtt: activeIngress.urls, http: ops?.url, party: identity.gatewayPartyId, intermediary: identity.intermediaryId, verifyWorkers: pool.size, dlmsMeters: config.dlms?.meters.length ?? 0 }, 'gateway started');

    let closing: Promise<void> | undefined;
    return {
      brokerUrl: activeIngress.urls.mqtt,
      urls: activeIngress.urls,
      httpUrl: ops?.url,
      pairingUrl: pairing?.url,
      partyId: identity.gatewayPartyId,
      intermediaryId: identity.intermediaryId,
      metrics,
      stats,
      issueCredential: (meterId) => credentials.issue(meterId),
      credentials,
      submitAttested,
      dlms,
      syncRegistry: () => sync.sync(),
      async flush(flushOptions = {}) {
        await activePipeline.flush();
        await forwarder.idle();
        if (flushOptions.closeIntervals) await closer.check();
      },
      close() {
        closing ??= (async () => {
          logger.info('gateway stopping');
          await undo();
        })();
        return closing;
      },
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
