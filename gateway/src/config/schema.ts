/**
 * The gateway configuration (DESIGN §6): its shape, defaults and validation. Pure: paths are
 * returned as written; config/load.ts resolves them against the config file's folder.
 * `parseConfig` throws a ConfigError whose message is one line naming the field.
 */
import { ConfigError } from '../errors.js';
import { FieldReader } from './fields.js';
import { parsePairingConfig, type PairingConfig } from '../pairing/pairing-config.js';
import { parseDlmsConfig, type DlmsConfig } from './dlms-config.js';

export type MqttMode = 'embedded' | 'external';

export interface TlsListenerConfig {
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface WebSocketListenerConfig {
  readonly port: number;
  readonly path: string;
}

export interface EmbeddedBrokerConfig {
  readonly host: string;
  /** 0 picks a free port (tests, in-process demo). */
  readonly port: number;
  readonly tls: TlsListenerConfig | undefined;
  readonly websocket: WebSocketListenerConfig | undefined;
}

export interface ExternalBrokerConfig {
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly passwordFile: string | undefined;
  readonly clientId: string;
  /** MQTT 5 shared-subscription group; gateways of one fleet use the same group. */
  readonly group: string;
  readonly caFile: string | undefined;
}

export interface MqttConfig {
  readonly mode: MqttMode;
  /** Largest reading payload accepted; bigger publishes are rejected as too_large. */
  readonly maxPayloadBytes: number;
  readonly ackQos: 0 | 1;
  readonly embedded: EmbeddedBrokerConfig;
  readonly external: ExternalBrokerConfig | undefined;
}

export interface IdentityConfig {
  /** The gateway's party key (its id derives from the key): signs issue-asset and record-usage. */
  readonly keyFile: string | undefined;
  /** Hex seed, instead of keyFile (in-process use; avoid in production configs). */
  readonly key: string | undefined;
  /** The intermediary this gateway serves; its meters are synced from the ledger. */
  readonly intermediaryId: string;
  /** Signs close-interval; defaults to the gateway key when the gateway is the intermediary. */
  readonly intermediaryKeyFile: string | undefined;
  readonly intermediaryKey: string | undefined;
}

export interface PipelineConfig {
  /** Ed25519 verification worker threads; 0 = one per core. */
  readonly verifyWorkers: number;
  /** Signatures sent to a worker in one message. */
  readonly verifyBatch: number;
  /** A reading whose interval ends more than this many seconds in the future is refused. */
  readonly maxFutureSkewS: number;
  /** Messages in flight (verifying or awaiting commit) beyond which new ones are refused as overloaded. */
  readonly queueLimit: number;
  /** Group commit: wait at most this long to gather readings into one transaction. */
  readonly commitDelayMs: number;
  /** Group commit: commit at once when this many readings are waiting. */
  readonly commitMaxReadings: number;
}

export interface LedgerConfig {
  readonly url: string;
  readonly batchSize: number;
  readonly requestTimeoutMs: number;
  readonly retryMaxMs: number;
  readonly registrySyncMs: number;
  readonly closeIntervals: boolean;
  /** close-interval is sent this many seconds after an interval's end. */
  readonly closeGraceS: number;
  readonly closeCheckMs: number;
}

export interface HttpConfig {
  readonly host: string;
  readonly port: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface GatewayConfig {
  /** Folder of the journal (journal.sqlite). */
  readonly dataDir: string;
  readonly identity: IdentityConfig;
  readonly mqtt: MqttConfig;
  readonly pipeline: PipelineConfig;
  readonly ledger: LedgerConfig;
  readonly http: HttpConfig | undefined;
  /** The pairing registrar (gateway/src/pairing); absent = off. */
  readonly pairing: PairingConfig | undefined;
  /** The DLMS bridge (gateway/src/dlms): legacy meters polled and attested; absent = off. */
  readonly dlms?: DlmsConfig | undefined;
  readonly log: { readonly level: LogLevel };
}

/** Leaves room in a ledger transaction (MAX_TX_BYTES = 256 KiB) for the envelope around an embedded reading. */
export const MAX_PAYLOAD_LIMIT = 250_000;
export const DEFAULT_MAX_PAYLOAD_BYTES = 196_608;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseConfig(raw: unknown): GatewayConfig {
  const root = new FieldReader(raw, '');
  const config: GatewayConfig = {
    dataDir: root.string('dataDir'),
    identity: parseIdentity(root.section('identity')),
    mqtt: parseMqtt(root.section('mqtt')),
    pipeline: parsePipeline(root.section('pipeline')),
    ledger: parseLedger(root.section('ledger')),
    http: parseHttp(root),
    pairing: parsePairingConfig(root.optionalSection('pairing')),
    dlms: parseDlmsConfig(root.optionalSection('dlms')),
    log: parseLog(root.section('log')),
  };
  root.done();
  return config;
}

function parseIdentity(r: FieldReader): IdentityConfig {
  const identity: IdentityConfig = {
    keyFile: r.optionalString('keyFile'),
    key: r.optionalHex('key', 32),
    intermediaryId: r.hex('intermediaryId', 8),
    intermediaryKeyFile: r.optionalString('intermediaryKeyFile'),
    intermediaryKey: r.optionalHex('intermediaryKey', 32),
  };
  r.done();
  if ((identity.keyFile === undefined) === (identity.key === undefined)) {
    throw new ConfigError(`${r.path}.keyFile`, 'give exactly one of keyFile (a file holding the 32-byte Ed25519 seed in hex) or key');
  }
  if (identity.intermediaryKeyFile !== undefined && identity.intermediaryKey !== undefined) {
    throw new ConfigError(`${r.path}.intermediaryKeyFile`, 'give at most one of intermediaryKeyFile or intermediaryKey');
  }
  return identity;
}

function parseMqtt(r: FieldReader): MqttConfig {
  const mode = r.oneOf<MqttMode>('mode', ['embedded', 'external'], 'embedded');
  const e = r.section('embedded');
  const tls = e.optionalSection('tls');
  const ws = e.optionalSection('websocket');
  const embedded: EmbeddedBrokerConfig = {
    host: e.string('host', '127.0.0.1'),
    port: e.int('port', 0, 65535, 1883),
    tls: tls && { port: tls.int('port', 0, 65535, 8883), certFile: tls.string('certFile'), keyFile: tls.string('keyFile') },
    websocket: ws && { port: ws.int('port', 0, 65535, 8080), path: ws.string('path', '/mqtt') },
  };
  tls?.done();
  ws?.done();
  e.done();
  const x = r.optionalSection('external');
  const external: ExternalBrokerConfig | undefined = x && {
    url: x.url('url', ['mqtt', 'mqtts', 'ws', 'wss', 'tcp', 'ssl']),
    username: x.optionalString('username'),
    password: x.optionalString('password'),
    passwordFile: x.optionalString('passwordFile'),
    clientId: x.string('clientId', `wattledger-gateway-${process.pid}`),
    group: groupName(x),
    caFile: x.optionalString('caFile'),
  };
  x?.done();
  if (mode === 'external' && external === undefined) throw new ConfigError(`${r.path}.external`, 'is required when mqtt.mode is external (at least external.url)');
  const mqtt: MqttConfig = {
    mode,
    maxPayloadBytes: r.int('maxPayloadBytes', 256, MAX_PAYLOAD_LIMIT, DEFAULT_MAX_PAYLOAD_BYTES),
    ackQos: r.int('ackQos', 0, 1, 1) as 0 | 1,
    embedded,
    external,
  };
  r.done();
  return mqtt;
}

function groupName(x: FieldReader): string {
  const group = x.string('group', 'wattledger');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(group)) throw new ConfigError(`${x.path}.group`, `expected 1..64 of A-Z a-z 0-9 _ -, got ${JSON.stringify(group)}`);
  return group;
}

function parsePipeline(r: FieldReader): PipelineConfig {
  const pipeline: PipelineConfig = {
    verifyWorkers: r.int('verifyWorkers', 0, 256, 0),
    verifyBatch: r.int('verifyBatch', 1, 4096, 256),
    maxFutureSkewS: r.int('maxFutureSkewS', 0, 86_400, 300),
    queueLimit: r.int('queueLimit', 1, 10_000_000, 100_000),
    commitDelayMs: r.int('commitDelayMs', 0, 10_000, 2),
    commitMaxReadings: r.int('commitMaxReadings', 1, 1_000_000, 4096),
  };
  r.done();
  return pipeline;
}

function parseLedger(r: FieldReader): LedgerConfig {
  const ledger: LedgerConfig = {
    url: r.url('url', ['http', 'https']),
    batchSize: r.int('batchSize', 1, 10_000, 256),
    requestTimeoutMs: r.int('requestTimeoutMs', 100, 600_000, 10_000),
    retryMaxMs: r.int('retryMaxMs', 10, 600_000, 5_000),
    registrySyncMs: r.int('registrySyncMs', 100, 86_400_000, 10_000),
    closeIntervals: r.boolean('closeIntervals', true),
    closeGraceS: r.int('closeGraceS', 0, 30 * 86_400, 300),
    closeCheckMs: r.int('closeCheckMs', 10, 3_600_000, 1_000),
  };
  r.done();
  return ledger;
}

function parseHttp(root: FieldReader): HttpConfig | undefined {
  const r = root.optionalSection('http');
  if (r === undefined) return root.has('http') ? undefined : { host: '127.0.0.1', port: 9100 };
  const http: HttpConfig = { host: r.string('host', '127.0.0.1'), port: r.int('port', 0, 65535, 9100) };
  r.done();
  return http;
}

function parseLog(r: FieldReader): { level: LogLevel } {
  const log = { level: r.oneOf<LogLevel>('level', LOG_LEVELS, 'info') };
  r.done();
  return log;
}
