/** A plain mqtt.js client that plays the gateway's side in integration tests. */
import mqtt, { type MqttClient } from 'mqtt';

export interface Received {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly retain: boolean;
}

export interface Observer {
  readonly client: MqttClient;
  readonly received: Received[];
  publish(topic: string, payload: Uint8Array | string, options?: { retain?: boolean }): Promise<void>;
  /** Resolves with the first message (already received or future) that matches. */
  waitFor(match: (m: Received) => boolean, what: string, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

export async function connectObserver(url: string, filters: string[], clientId = `observer-${Math.random().toString(16).slice(2)}`): Promise<Observer> {
  const client = mqtt.connect(url, { clientId, reconnectPeriod: 0, protocolVersion: 4 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const received: Received[] = [];
  const waiters: Array<{ match: (m: Received) => boolean; resolve: (m: Received) => void }> = [];
  client.on('message', (topic, payload, packet) => {
    const message = { topic, payload: new Uint8Array(payload), retain: packet.retain };
    received.push(message);
    for (const w of [...waiters]) {
      if (w.match(message)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(message);
      }
    }
  });
  if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    received,
    publish: async (topic, payload, options = {}) => {
      await client.publishAsync(topic, typeof payload === 'string' ? payload : Buffer.from(payload), { qos: 1, retain: options.retain ?? false });
    },
    waitFor: (match, what, timeoutMs = 20_000) => {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<Received>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m); } });
      });
    },
    close: () => client.endAsync(),
  };
}
