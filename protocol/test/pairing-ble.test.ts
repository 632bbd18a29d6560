// BLE GATT framing: chunk layout, MTU limits, round trips (fast-check) over every MTU, one
// payload byte per chunk, lost / repeated / reordered chunks, and garbage.
import fc from 'fast-check';
import t from 'tap';
import { toHex } from '../src/bytes.js';
import { BLE_MAX_ATT_MTU, BLE_MIN_ATT_MTU, BleReassembler, BleUuid, chunkFrame, joinChunks, MAX_BLE_FRAME_BYTES, PairingError, splitFrame } from '../src/pairing/index.js';

t.test('service and characteristic UUIDs are distinct 128-bit UUIDs', (t) => {
  const all = Object.values(BleUuid);
  for (const uuid of all) t.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(new Set(all).size, 3);
  t.end();
});

t.test('chunk layout: FIRST with length, LAST, sequence; values fit ATT_MTU - 3', (t) => {
  const frame = Uint8Array.from({ length: 40 }, (_, i) => i);
  const chunks = chunkFrame(frame, BLE_MIN_ATT_MTU);
  t.equal(chunks.length, 3, '17 + 19 + 4 bytes');
  t.equal(toHex(chunks[0]!.subarray(0, 3)), '800028', 'FIRST, seq 0, length 40');
  t.equal(chunks[1]![0], 0x01, 'continuation, seq 1');
  t.equal(chunks[2]![0], 0x42, 'LAST, seq 2');
  t.ok(chunks.every((c) => c.length <= BLE_MIN_ATT_MTU - 3));
  t.same(chunkFrame(Uint8Array.of(7), 23), [Uint8Array.of(0xc0, 0, 1, 7)], 'single chunk is FIRST|LAST');
  t.same(joinChunks(chunks), frame);
  t.end();
});

t.test('MTU and size limits are argument errors', (t) => {
  t.throws(() => chunkFrame(Uint8Array.of(1), 22), RangeError);
  t.throws(() => chunkFrame(Uint8Array.of(1), BLE_MAX_ATT_MTU + 1), RangeError);
  t.throws(() => chunkFrame(new Uint8Array(0), 23), RangeError);
  t.throws(() => chunkFrame(new Uint8Array(MAX_BLE_FRAME_BYTES + 1), 23), RangeError);
  t.throws(() => splitFrame(Uint8Array.of(1), 3), RangeError);
  t.end();
});

t.test('round trip (fast-check) for every MTU 23..517, sequence wrapping past 15', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: MAX_BLE_FRAME_BYTES }), fc.integer({ min: BLE_MIN_ATT_MTU, max: BLE_MAX_ATT_MTU }), (frame, mtu) => {
      const chunks = chunkFrame(frame, mtu);
      return chunks.every((c) => c.length <= mtu - 3) && toHex(joinChunks(chunks)) === toHex(frame);
    }),
    { numRuns: 300 },
  );
  t.end();
});

t.test('reassembly one payload byte per chunk (chunks built by hand from the layout)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (frame) => {
      const n = frame.length;
      const chunks = Array.from(frame, (byte, i) => {
        const head = (i === 0 ? 0x80 : 0) | (i === n - 1 ? 0x40 : 0) | (i & 0x0f);
        return i === 0 ? Uint8Array.of(head, n >> 8, n & 0xff, byte) : Uint8Array.of(head, byte);
      });
      const reassembler = new BleReassembler();
      const events = chunks.flatMap((c) => reassembler.push(c));
      return events.length === 1 && events[0]!.type === 'frame' && toHex(events[0]!.bytes) === toHex(frame);
    }),
    { numRuns: 200 },
  );
  t.same(splitFrame(Uint8Array.of(1, 2, 3, 4, 5), 4).map((c) => toHex(c)), ['80000501', '01020304', '4205'], 'smallest values: 1 byte in the FIRST chunk');
  t.end();
});

t.test('lost, repeated, reordered and foreign chunks are error events', (t) => {
  const frame = Uint8Array.from({ length: 60 }, (_, i) => i);
  const chunks = chunkFrame(frame, 23);
  const feed = (list: Uint8Array[]) => {
    const r = new BleReassembler();
    return list.flatMap((c) => r.push(c));
  };
  t.match(feed([chunks[0]!, chunks[2]!, chunks[3]!]), [{ type: 'error', reason: /sequence 2, expected 1/ }, { type: 'error', reason: /without a FIRST/ }], 'lost chunk');
  t.match(feed([chunks[0]!, chunks[1]!, chunks[1]!]), [{ type: 'error', reason: /sequence 1, expected 2/ }], 'repeated chunk');
  t.match(feed([chunks[1]!]), [{ type: 'error', reason: /without a FIRST/ }], 'continuation first');
  t.match(feed([chunks[0]!, chunks[0]!, ...chunks.slice(1)]), [{ type: 'error', reason: /interrupted/ }, { type: 'frame' }], 'a new FIRST restarts and the frame still arrives');
  t.match(feed([new Uint8Array(0)]), [{ type: 'error', reason: /empty/ }]);
  t.match(feed([Uint8Array.of(0xb0, 0, 1, 1)]), [{ type: 'error', reason: /reserved/ }]);
  t.match(feed([Uint8Array.of(0xc0, 0, 0)]), [{ type: 'error', reason: /length 0/ }]);
  t.match(feed([Uint8Array.of(0xc0, 0, 2, 1)]), [{ type: 'error', reason: /ended after 1 of 2/ }], 'LAST too early');
  t.match(feed([Uint8Array.of(0xc0, 0, 1, 1, 2)]), [{ type: 'error', reason: /overrun/ }]);
  t.match(feed([Uint8Array.of(0x80, 0, 1, 1)]), [{ type: 'error', reason: /lacks the LAST/ }]);
  t.match(feed([Uint8Array.of(0x81, 0, 1, 1)]), [{ type: 'error', reason: /sequence 1, expected 0/ }]);
  t.match(feed([Uint8Array.of(0xc0, 0xff, 0xff, 1)]), [{ type: 'error', code: 'TOO_LARGE' }]);
  t.match(feed([Uint8Array.of(0x80, 0)]), [{ type: 'error', reason: /shorter than its 3-byte header/ }]);
  t.throws(() => joinChunks(chunks.slice(0, 2)), { code: 'BAD_FRAME' });
  t.end();
});

t.test('garbage chunks never throw; joinChunks throws only PairingError', (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 40 }), (values) => {
      const r = new BleReassembler({ maxFrameBytes: 500 });
      for (const v of values) r.push(v);
      try {
        joinChunks(values);
      } catch (error) {
        if (!(error instanceof PairingError)) throw error;
      }
      return true;
    }),
    { numRuns: 1000 },
  );
  t.end();
});
