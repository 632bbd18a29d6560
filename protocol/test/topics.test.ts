import t from 'tap';
import fc from 'fast-check';
import { BadTopicError, MeterChannel, allMetersFilter, meterTopic, parseMeterTopic, sharedFilter, toHex } from '../src/index.js';

t.test('build and parse every channel (fast-check round trip)', async (t) => {
  const channels = Object.values(MeterChannel);
  fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.constantFrom(...channels), (id, channel) => {
    const topic = meterTopic(toHex(id), channel);
    const parsed = parseMeterTopic(topic);
    return parsed.meterId === toHex(id) && parsed.channel === channel && topic === `wl/v1/meters/${toHex(id)}/${channel}`;
  }));
  t.equal(allMetersFilter('readings'), 'wl/v1/meters/+/readings');
  t.equal(sharedFilter('gw', allMetersFilter('readings')), '$share/gw/wl/v1/meters/+/readings');
});

t.test('rejects wildcards, wrong versions, bad ids and unknown channels', async (t) => {
  const bad = [
    'wl/v1/meters/+/readings', 'wl/v1/meters/#', 'wl/v2/meters/0123456789abcdef/readings', 'wl/v1/meters/0123456789ABCDEF/readings',
    'wl/v1/meters/0123456789abcde/readings', 'wl/v1/meters/0123456789abcdef/other', 'wl/v1/meters/0123456789abcdef/readings/x',
    'xx/v1/meters/0123456789abcdef/readings', '', 'wl/v1/meters/0123456789abcdef/' + 'a'.repeat(200),
  ];
  for (const topic of bad) t.throws(() => parseMeterTopic(topic), BadTopicError, topic);
  t.throws(() => meterTopic('nope', 'readings'), TypeError);
  t.throws(() => sharedFilter('a/b', 'x'), TypeError);
});

t.test('random strings never parse into a wrong meter', async (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => {
    try {
      const parsed = parseMeterTopic(s);
      return s === meterTopic(parsed.meterId, parsed.channel);
    } catch (e) {
      return e instanceof BadTopicError;
    }
  }), { numRuns: 1000 });
  t.pass();
});
