/**
 * Network seam: one MQTT 3.1.1 client session (OASIS MQTT 3.1.1 §3.1 CONNECT with a will,
 * §3.3 PUBLISH at QoS 1 with PUBACK, §3.8 SUBSCRIBE). Callback style, as Moddable's MQTT
 * client, so the firmware core never needs async. Reconnection is not the adapter's job:
 * the publish state machine decides when to connect again (backoff with jitter).
 */

export type QoS = 0 | 1;

export interface MqttWill {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
}

export interface MqttConnectOptions {
  /** mqtt://host:port or mqtts://host:port */
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly keepaliveS: number;
  readonly will: MqttWill;
}

export interface MqttHandlers {
  /** CONNACK with return code 0. */
  onConnect(): void;
  /** The session ended, or never started: called once per `connect`, after which the session is dead. */
  onClose(reason: string): void;
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
}

export interface MqttPublishOptions {
  readonly qos: QoS;
  readonly retain: boolean;
}

export type Done = (error?: Error) => void;

export interface MqttSession {
  /** `done` runs on PUBACK (QoS 1) or once written (QoS 0), or with an error if the session died first. */
  publish(topic: string, payload: Uint8Array, options: MqttPublishOptions, done: Done): void;
  subscribe(filter: string, qos: QoS, done: Done): void;
  /**
   * Ends the session. `graceful`: send DISCONNECT, so the broker discards the will
   * ([MQTT-3.14.4-3]); otherwise drop the connection as a power cut would, and the broker
   * publishes the will ([MQTT-3.1.2-8]). `onClose` is not called for a requested close.
   */
  close(graceful: boolean): void;
}

export interface Network {
  connect(options: MqttConnectOptions, handlers: MqttHandlers): MqttSession;
}
