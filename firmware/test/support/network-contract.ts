/** The contract of `hal/network.ts` against a real broker, run for every Network adapter and broker. */
import type { Test } from 'tap';
import type { MqttHandlers, MqttSession, Network } from '../../src/hal/network.js';
import { connectObserver } from './mqtt-observer.js';

interface Opened {
  session: MqttSession;
  connected: Promise<void>;
  closed: Promise<string>;
  messages: Array<{ topic: string; payload: Uint8Array; retained: boolean }>;
}

function open(network: Network, url: string, clientId: string, willTopic = `t/${clientId}/will`): Opened {
  const messages: Opened['messages'] = [];
  let onConnect!: () => void;
  let onClose!: (reason: string) => void;
  const connected = new Promise<void>((resolve) => (onConnect = resolve));
  const closed = new Promise<string>((resolve) => (onClose = resolve));
  let closes = 0;
  const handlers: MqttHandlers = {
    onConnect: () => onConnect(),
    onClose: (reason) => {
      closes++;
      if (closes > 1) throw new Error('onClose called twice');
      onClose(reason);
    },
    onMessage: (topic, payload, retained) => messages.push({ topic, payload, retained }),
  };
  const session = network.connect({ url, clientId, keepaliveS: 30, will: { topic: willTopic, payload: new TextEncoder().encode('gone'), qos: 1, retain: false } }, handlers);
  return { session, connected, closed, messages };
}

const done = (session: MqttSession, fn: 'publish' | 'subscribe', ...args: unknown[]): Promise<void> =>
  new Promise((resolve, reject) => (session[fn] as (...a: unknown[]) => void)(...args, (e?: Error) => (e ? reject(e) : resolve())));

export function networkContract(t: Test, name: string, network: Network, url: () => string): void {
  t.test(`${name}: connect, subscribe, publish QoS 1 with PUBACK, receive`, async (t) => {
    const id = `c-${Math.random().toString(16).slice(2, 10)}`;
    const a = open(network, url(), id);
    await a.connected;
    await done(a.session, 'subscribe', `t/${id}/in`, 1);
    await done(a.session, 'publish', `t/${id}/in`, new Uint8Array([1, 2, 3]), { qos: 1, retain: false });
    for (let i = 0; i < 100 && a.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    t.same(a.messages.map((m) => [m.topic, [...m.payload], m.retained]), [[`t/${id}/in`, [1, 2, 3], false]]);
    a.session.close(true);
  });

  t.test(`${name}: retained messages reach later subscribers flagged retained`, async (t) => {
    const id = `r-${Math.random().toString(16).slice(2, 10)}`;
    const a = open(network, url(), `${id}-a`);
    await a.connected;
    await done(a.session, 'publish', `t/${id}/status`, new Uint8Array([9]), { qos: 1, retain: true });
    const b = open(network, url(), `${id}-b`);
    await b.connected;
    await done(b.session, 'subscribe', `t/${id}/status`, 1);
    for (let i = 0; i < 100 && b.messages.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    t.same(b.messages.map((m) => [[...m.payload], m.retained]), [[[9], true]]);
    await done(a.session, 'publish', `t/${id}/status`, new Uint8Array(0), { qos: 1, retain: true });
    a.session.close(true);
    b.session.close(true);
  });

  t.test(`${name}: the will is published on a dropped connection, not on a graceful close`, async (t) => {
    const id = `w-${Math.random().toString(16).slice(2, 10)}`;
    const observer = await connectObserver(url(), [`t/${id}-1/will`, `t/${id}-2/will`]);
    const graceful = open(network, url(), `${id}-1`);
    await graceful.connected;
    graceful.session.close(true);
    const dropped = open(network, url(), `${id}-2`);
    await dropped.connected;
    dropped.session.close(false);
    const will = await observer.waitFor((m) => m.topic === `t/${id}-2/will`, 'the will');
    t.equal(new TextDecoder().decode(will.payload), 'gone');
    t.notOk(observer.received.some((m) => m.topic === `t/${id}-1/will`), 'no will after DISCONNECT');
    await observer.close();
  });

  t.test(`${name}: a failed connect reports onClose once, with a reason`, async (t) => {
    const dead = url().replace(/:\d+$/, ':1');
    const a = open(network, dead, 'nobody');
    const reason = await a.closed;
    t.match(reason, /ECONNREFUSED|refused|closed/i);
  });
}
