/**
 * Nothing malformed crashes the gateway or gets through (DESIGN §10): byte-flipped signed
 * readings and random payloads on a meter's own topic, and raw garbage on the broker's TCP
 * port. Every mutated message is refused with a counted reason; the meter's chain and the
 * gateway's service continue.
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import fc from 'fast-check';
import t from 'tap';
import { startGateway } from '../src/gateway.js';
import { makeFixture, memoryLogger } from './helpers/fixture.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter, until } from './helpers/test-meter.js';

t.test('mutated and random payloads are refused; the gateway keeps serving', async (t) => {
  const ledger = await new RecordingLedger().start();
  t.teardown(() => ledger.close());
  const fixture = makeFixture(ledger);
  t.teardown(() => fixture.cleanup());
  const meter = new TestMeter().register(ledger, fixture.intermediaryId);
  const gateway = await startGateway(fixture.config, { logger: memoryLogger().logger });
  t.teardown(async () => {
    await meter.disconnect();
    await gateway.close();
  });
  meter.password = gateway.issueCredential(meter.id);
  await meter.connect(gateway.brokerUrl);
  await meter.publish(meter.next());
  await meter.waitForAck(0);

  const cases = fc.sample(
    fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 400 }).map((bytes) => ({ kind: 'random', bytes })),
      fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }).map(({ at, xor }) => ({ kind: 'flip', at, xor })),
      fc.record({ cut: fc.nat() }).map(({ cut }) => ({ kind: 'truncate', cut })),
    ),
    { numRuns: 150, seed: 20_261_121 },
  );
  let published = 0;
  for (const c of cases) {
    const saved = meter.save();
    const valid = meter.next();
    meter.restore(saved);
    let payload: Uint8Array;
    if (c.kind === 'random') payload = (c as { bytes: Uint8Array }).bytes;
    else if (c.kind === 'flip') {
      const { at, xor } = c as { at: number; xor: number };
      payload = valid.slice();
      payload[at % payload.length]! ^= xor;
    } else payload = valid.subarray(0, (c as { cut: number }).cut % valid.length);
    if (payload.length === 0) continue;
    await meter.publish(payload);
    published++;
  }
  const refused = (): number => Object.values(gateway.stats().rejected).reduce((a, b) => a + b, 0);
  await until(() => refused() === published, 'every mutated message refused');
  t.equal(refused(), published, `${published} mutated or random messages, each refused with a reason`);
  t.same(Object.keys(gateway.stats().rejected).sort().filter((r) => !['bad_cbor', 'bad_cose', 'bad_reading', 'bad_signature', 'topic_mismatch', 'too_large'].includes(r)), [], 'only decoding and signature reasons');
  t.equal(gateway.stats().readingsAccepted, 1, 'no mutated message was accepted');

  // Raw garbage on the TCP port: the connection is dropped, the broker goes on.
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => {
      const socket = netConnect(Number(new URL(gateway.brokerUrl).port), '127.0.0.1', () => socket.end(randomBytes(1 + (i * 37) % 300)));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
  }
  await meter.publish(meter.next());
  await meter.waitForAck(1);
  await gateway.flush();
  t.same(ledger.seqsOf(meter.id), [0, 1], 'the meter chain went on after the fuzzing');
});
