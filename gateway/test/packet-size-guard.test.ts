/** PacketSizeGuard: MQTT fixed-header length parsing (MQTT 3.1.1 §2.2.3), fed whole and one byte at a time. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import t from 'tap';
import mqttPacket from 'mqtt-packet';
import { PacketSizeGuard, type GuardEvent } from '../src/ingress/packet-size-guard.js';

const vectors = JSON.parse(readFileSync(new URL('./vectors/mqtt-3.1.1/remaining-length.json', import.meta.url), 'utf8')) as {
  vectors: Array<{ length: number; bytes: string }>;
};

function feed(guard: PacketSizeGuard, bytes: Uint8Array, chunk: number): GuardEvent {
  let last: GuardEvent = { kind: 'ok' };
  for (let i = 0; i < bytes.length; i += chunk) last = guard.push(bytes.subarray(i, i + chunk));
  return last;
}

const TOPIC = 'wl/v1/meters/0123456789abcdef/readings';

function publish(payloadBytes: number, topic = TOPIC): Uint8Array {
  return mqttPacket.generate({ cmd: 'publish', topic, payload: Buffer.alloc(payloadBytes, 7), qos: 1, messageId: 1, dup: false, retain: false });
}

t.test('Table 2.4 remaining lengths: accepted up to the limit, refused above it', async (t) => {
  for (const { length, bytes } of vectors.vectors) {
    const header = Buffer.concat([Buffer.from([0x30]), Buffer.from(bytes, 'hex')]);
    t.same(new PacketSizeGuard(length).push(header), { kind: 'ok' }, `length ${length} at limit ${length}`);
    if (length > 0) t.same(new PacketSizeGuard(length - 1).push(header), { kind: 'oversize', length }, `length ${length} above limit ${length - 1}`);
  }
});

t.test('a fifth length byte is malformed [MQTT-1.5.5]', async (t) => {
  t.same(new PacketSizeGuard(1 << 30).push(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), { kind: 'malformed' });
  const guard = new PacketSizeGuard(10);
  t.same(guard.push(Uint8Array.from([0x30, 0x80, 0x80, 0x80, 0x80])), { kind: 'malformed' }, 'refused at the fourth continuation byte');
  t.same(guard.push(Uint8Array.from([0x00])), { kind: 'malformed' }, 'stays failed');
});

t.test('real packets from mqtt-packet, whole and one byte at a time', async (t) => {
  const connect = mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: '0123456789abcdef', keepalive: 30, username: 'u', password: Buffer.from('p') });
  const stream = Buffer.concat([connect, publish(100), publish(0), publish(1000), mqttPacket.generate({ cmd: 'pingreq' })]);
  for (const chunk of [stream.length, 1, 3, 7]) t.same(feed(new PacketSizeGuard(1100), stream, chunk), { kind: 'ok' }, `chunks of ${chunk}`);
  const big = Buffer.concat([stream, publish(5000), publish(10)]);
  for (const chunk of [big.length, 1, 13]) t.equal(feed(new PacketSizeGuard(1100), big, chunk).kind, 'oversize', `oversized packet found in chunks of ${chunk}`);
});

t.test('property: any packets, any chunking: ok iff every packet fits', async () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 50, max: 3000 }), (sizes, chunk, limit) => {
      const stream = Buffer.concat(sizes.map((n) => publish(n)));
      // §3.3.2: a QoS 1 PUBLISH's Remaining Length is topic (2 + length) + packet id (2) + payload.
      const fits = sizes.every((n) => 2 + TOPIC.length + 2 + n <= limit);
      const event = feed(new PacketSizeGuard(limit), stream, chunk);
      return (event.kind === 'ok') === fits;
    }),
  );
});

t.test('garbage never throws', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 1, max: 50 }), (bytes, chunk) => {
      const event = feed(new PacketSizeGuard(500), bytes, chunk);
      return ['ok', 'oversize', 'malformed'].includes(event.kind);
    }),
  );
});

t.test('argument checks', async (t) => {
  t.throws(() => new PacketSizeGuard(-1), RangeError);
  t.throws(() => new PacketSizeGuard(1.5), RangeError);
});
