/**
 * The gateway's metrics (DESIGN §6, issue #5 "Operations"). Names follow the Prometheus
 * conventions: `_total` for counters, base units (seconds), a `wattledger_gateway_` prefix.
 */
import { Counter, Gauge, Histogram, LATENCY_BUCKETS_S, MetricRegistry } from './prometheus.js';

export interface GaugeSources {
  connectedMeters(): number;
  mqttClients(): number;
  journalPending(): number;
  ledgerLagReadings(): number;
  ledgerLagSeconds(): number;
  registryMeters(): number;
}

export interface GatewayMetrics {
  readonly registry: MetricRegistry;
  readonly messagesReceived: Counter;
  readonly readingsAccepted: Counter;
  readonly rejected: Counter;
  readonly seqSkipped: Counter;
  readonly acksPublished: Counter;
  readonly verifyLatency: Histogram;
  readonly journalCommit: Histogram;
  readonly ingestLatency: Histogram;
  readonly journalErrors: Counter;
  readonly ledgerTx: Counter;
  readonly ledgerErrors: Counter;
  readonly intervalsClosed: Counter;
  readonly registrySyncs: Counter;
}

export function createGatewayMetrics(sources: GaugeSources): GatewayMetrics {
  const registry = new MetricRegistry();
  const p = 'wattledger_gateway_';
  const metrics: GatewayMetrics = {
    registry,
    messagesReceived: registry.register(new Counter(`${p}messages_received_total`, 'Reading messages (single or batch) received from meters.')),
    readingsAccepted: registry.register(new Counter(`${p}readings_accepted_total`, 'Readings verified, journaled and acknowledged.')),
    rejected: registry.register(new Counter(`${p}rejected_total`, 'Rejections by reason (messages, or readings for reading-level reasons).')),
    seqSkipped: registry.register(new Counter(`${p}seq_skipped_total`, 'Sequence numbers skipped by meters whose hash chain still links (lost reserved blocks).')),
    acksPublished: registry.register(new Counter(`${p}acks_published_total`, 'Acknowledgements published to meters.')),
    verifyLatency: registry.register(new Histogram(`${p}verify_seconds`, 'Ed25519 verification latency of a message, from dispatch to result.', LATENCY_BUCKETS_S)),
    journalCommit: registry.register(new Histogram(`${p}journal_commit_seconds`, 'Duration of one durable group commit.', LATENCY_BUCKETS_S)),
    ingestLatency: registry.register(new Histogram(`${p}ingest_seconds`, 'From receipt of a message to its acknowledgement.', LATENCY_BUCKETS_S)),
    journalErrors: registry.register(new Counter(`${p}journal_errors_total`, 'Group commits that failed (their readings were not acknowledged).')),
    ledgerTx: registry.register(new Counter(`${p}ledger_tx_total`, 'Transactions answered by the ledger, by type and status.')),
    ledgerErrors: registry.register(new Counter(`${p}ledger_errors_total`, 'Failed requests to the ledger (retried).')),
    intervalsClosed: registry.register(new Counter(`${p}intervals_closed_total`, 'close-interval transactions accepted by the ledger.')),
    registrySyncs: registry.register(new Counter(`${p}registry_syncs_total`, 'Meter registry synchronisations from the ledger, by result.')),
  };
  registry.register(new Gauge(`${p}connected_meters`, 'Meters whose retained status is online.', sources.connectedMeters));
  registry.register(new Gauge(`${p}mqtt_clients`, 'MQTT connections on the embedded broker (0 in external mode).', sources.mqttClients));
  registry.register(new Gauge(`${p}journal_lag_readings`, 'Readings verified but not yet durably journaled (acknowledgement pending).', sources.journalPending));
  registry.register(new Gauge(`${p}ledger_lag_readings`, 'Readings journaled but not yet accepted by the ledger.', sources.ledgerLagReadings));
  registry.register(new Gauge(`${p}ledger_lag_seconds`, 'Age of the oldest journaled reading not yet accepted by the ledger.', sources.ledgerLagSeconds));
  registry.register(new Gauge(`${p}registry_meters`, 'Meters of this intermediary known from the ledger.', sources.registryMeters));
  return metrics;
}
