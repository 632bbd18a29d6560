/**
 * The embedded MQTT broker (aedes) of DESIGN §6: plain TCP, optional TLS and WebSocket
 * listeners, per-meter authentication (username = client id = meter id, password = the
 * credential issued at provisioning) and the meter ACL. Readings and status publishes are
 * handed to the gateway; acks are published through the broker.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { encodeCbor, MeterChannel, meterTopic, parseMeterTopic, ProtocolError } from '@wattledger/protocol';
import type { EmbeddedBrokerConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { RejectReason } from '../pipeline/rejection.js';
import { authorizeMeterPublish, authorizeMeterSubscribe } from './acl.js';
import type { CredentialStore } from './credentials.js';
import type { Ingress, IngressHandlers, IngressUrls } from './ingress.js';
import { PacketSizeGuard } from './packet-size-guard.js';

/** Room in a PUBLISH for the fixed-size parts and a topic; payloads are bounded separately. */
const PACKET_OVERHEAD_BYTES = 4096;
/** CONNACK return codes (MQTT 3.1.1 §3.2.2.3). */
const CONNACK_IDENTIFIER_REJECTED = 2;
const CONNACK_BAD_USERNAME_OR_PASSWORD = 4;

export interface EmbeddedBrokerOptions {
  readonly config: EmbeddedBrokerConfig;
  readonly maxPayloadBytes: number;
  readonly ackQos: 0 | 1;
  readonly credentials: CredentialStore;
  readonly handlers: IngressHandlers;
}

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

function listen(server: Server | HttpServer, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new ConfigError(`mqtt.embedded.${what}`, `cannot listen on ${host}:${port}: ${error.message}`, { cause: error })));
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<Ingress> {
  const { config, credentials, handlers } = options;
  const ackTopics = new Map<string, string>();
  const readingsTopics = new Map<string, string>();
  const topicOf = (cache: Map<string, string>, meterId: string, channel: MeterChannel): string => {
    let topic = cache.get(meterId);
    if (topic === undefined) {
      topic = meterTopic(meterId, channel);
      if (cache.size > 1_000_000) cache.clear();
      cache.set(meterId, topic);
    }
    return topic;
  };

  const broker = await Aedes.createBroker({
    id: 'wattledger-gateway',
    maxClientsIdLength: 64,
    // Deliveries in flight unbounded (aedes' default is 100): past the bound, aedes queues every
    // publish, readings included, and drains that queue recursively (cost per message, and deep
    // stacks under a burst of acks). A subscriber that stops reading is still cut off after
    // aedes' drainTimeout (60 s), and without the bound it cannot stall the other meters' acks.
    concurrency: 0,
    authenticate(client, username, password, done) {
      if (username === undefined || client.id !== username) {
        handlers.onReject(RejectReason.AUTH_FAILED, username, `client id ${JSON.stringify(client.id)} must equal the username (the meter id)`);
        return done(authError('client id must equal the meter id', CONNACK_IDENTIFIER_REJECTED), null);
      }
      if (!credentials.check(username, password)) {
        handlers.onReject(RejectReason.AUTH_FAILED, username, 'wrong or missing credential');
        return done(authError('bad credential', CONNACK_BAD_USERNAME_OR_PASSWORD), null);
      }
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      if (client === null) return done(null); // a will restored by the broker for a client that is gone
      // The steady-state case, without parsing the topic: the meter's own readings topic.
      if (packet.topic === topicOf(readingsTopics, client.id, MeterChannel.READINGS)) return done(null);
      const verdict = authorizeMeterPublish(client.id, packet.topic);
      if (verdict.ok) return done(null);
      handlers.onReject(RejectReason.ACL_DENIED, client.id, `publish to ${packet.topic.slice(0, 128)}: ${verdict.why}; connection closed`);
      done(new Error(verdict.why)); // [MQTT-3.3.5-2] close the connection: MQTT 3.1.1 has no negative PUBACK
    },
    authorizeSubscribe(client, subscription, done) {
      const verdict = authorizeMeterSubscribe(client.id, subscription.topic);
      if (verdict.ok) return done(null, subscription);
      handlers.onReject(RejectReason.ACL_DENIED, client.id, `subscribe to ${subscription.topic.slice(0, 128)}: ${verdict.why}`);
      done(null, null); // [MQTT-3.9.3] return code 0x80 for this filter
    },
    published(packet, client, done) {
      const topic = packet.topic;
      if (client !== null && client !== undefined && topic === topicOf(readingsTopics, client.id, MeterChannel.READINGS)) {
        handlers.onReadings(client.id, packet.payload as Buffer, performance.now());
      } else if (topic.endsWith('/status') && topic.startsWith('wl/')) {
        try {
          handlers.onStatus(parseMeterTopic(topic).meterId, packet.payload as Buffer);
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
        }
      }
      done(null);
    },
  });

  const handle = (stream: Duplex, request?: Parameters<Aedes['handle']>[1]): void => {
    let client: Client | undefined;
    guardStream(stream, options.maxPayloadBytes + PACKET_OVERHEAD_BYTES, (detail) => {
      handlers.onReject(RejectReason.TOO_LARGE, client?.id, `${detail}; connection closed`);
    });
    client = broker.handle(stream, request);
  };

  const servers: Array<Server | HttpServer> = [];
  const tcp = createNetServer((socket) => handle(socket));
  servers.push(tcp);
  const tcpPort = await listen(tcp, config.port, config.host, 'port');
  const urls: { mqtt: string; mqtts?: string; ws?: string } = { mqtt: `mqtt://${config.host}:${tcpPort}` };

  if (config.tls !== undefined) {
    let tlsOptions: { cert: Buffer; key: Buffer };
    try {
      tlsOptions = { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
    } catch (cause) {
      throw new ConfigError('mqtt.embedded.tls', `cannot read the certificate or key: ${(cause as Error).message}`, { cause });
    }
    const tls = createTlsServer(tlsOptions, (socket) => handle(socket));
    servers.push(tls);
    urls.mqtts = `mqtts://${config.host}:${await listen(tls, config.tls.port, config.host, 'tls.port')}`;
  }

  if (config.websocket !== undefined) {
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http, path: config.websocket.path });
    wss.on('connection', (socket, request) => handle(createWebSocketStream(socket), request));
    servers.push(http);
    urls.ws = `ws://${config.host}:${await listen(http, config.websocket.port, config.host, 'websocket.port')}${config.websocket.path}`;
  }

  const frozenUrls: IngressUrls = Object.freeze(urls);
  return {
    urls: frozenUrls,
    publishAck(meterId, seq) {
      broker.publish(
        { cmd: 'publish', topic: topicOf(ackTopics, meterId, MeterChannel.ACK), payload: Buffer.from(encodeCbor(seq)), qos: options.ackQos, retain: false, dup: false },
        () => undefined,
      );
    },
    clients: () => broker.connectedClients,
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await Promise.all(servers.map(closeServer));
    },
  };
}

/**
 * Watches the bytes a connection buffers for the broker, and destroys it at the first packet
 * announcing more than `limit` bytes, before they are read. The check sits in the stream's own
 * `push` (where the socket delivers data), so no second stream is put in the data path.
 */
function guardStream(stream: Duplex, limit: number, onViolation: (detail: string) => void): void {
  const guard = new PacketSizeGuard(limit);
  const push = stream.push.bind(stream);
  stream.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (chunk instanceof Uint8Array) {
      const event = guard.push(chunk);
      if (event.kind !== 'ok') {
        if (stream.destroyed) return false;
        onViolation(event.kind === 'oversize' ? `MQTT packet of ${event.length} bytes exceeds ${limit}` : 'malformed MQTT remaining length');
        stream.destroy();
        return false;
      }
    }
    return push(chunk, encoding);
  };
}
