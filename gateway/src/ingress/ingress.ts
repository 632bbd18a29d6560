/**
 * The seam between an MQTT transport (embedded aedes broker or external broker) and the
 * gateway: readings and status come in, acks go out. Both transports implement `Ingress`.
 */
import type { RejectReason } from '../pipeline/rejection.js';

export interface IngressHandlers {
  /** A publish on wl/v1/meters/{meterId}/readings. */
  onReadings(meterId: string, payload: Uint8Array, receivedAt: number): void;
  /** A publish on wl/v1/meters/{meterId}/status (including the last will). */
  onStatus(meterId: string, payload: Uint8Array): void;
  /** A refusal at the transport level (authentication, ACL, packet size, topic). */
  onReject(reason: RejectReason, meterId: string | undefined, detail: string): void;
}

export interface IngressUrls {
  /** mqtt://host:port of the plain TCP listener (embedded), or the external broker URL. */
  readonly mqtt: string;
  readonly mqtts?: string;
  readonly ws?: string;
}

export interface Ingress {
  readonly urls: IngressUrls;
  /** Publishes the ack (CBOR unsigned integer) on wl/v1/meters/{meterId}/ack. */
  publishAck(meterId: string, seq: number): void;
  /** Open MQTT connections (embedded broker only; 0 otherwise). */
  clients(): number;
  close(): Promise<void>;
}
