import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../src/index.js';
import {
  clientAddress, crc16x25, decodeHdlcParameters, encodeFrame, encodeHdlcParameters, answerHdlcParameters, clientViewOf,
  HdlcFrameParser, serverAddress, HdlcError, type HdlcFrame, type HdlcFrameKind, type HdlcParserEvent, type HdlcAddress,
} from '../src/dlms/index.js';

const load = (path: string): any => JSON.parse(readFileSync(new URL(`./vectors/${path}`, import.meta.url), 'utf8'));
const u9n = load('dlms-u9n-dlms-cosem/hdlc.json');
const meterkit = load('dlms-meterkit-cosemlib/hdlc.json');

function frames(events: HdlcParserEvent[]): HdlcFrame[] {
  return events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
}

function byteByByte(parser: HdlcFrameParser, bytes: Uint8Array): HdlcParserEvent[] {
  const events: HdlcParserEvent[] = [];
  for (const b of bytes) events.push(...parser.push(Uint8Array.of(b)));
  return events;
}

t.test('CRC-16/X.25: check value and the published HCS', async (t) => {
  t.equal(crc16x25(new TextEncoder().encode('123456789')), 0x906e, 'catalogue check value');
  for (const v of u9n.crc) {
    const crc = crc16x25(fromHex(v.data));
    t.equal(toHex(Uint8Array.of(crc & 0xff, crc >> 8)), v.wire, `${v.name}, low byte first`);
  }
});

t.test('published frames decode, whole and one byte at a time', async (t) => {
  for (const v of u9n.vectors) {
    const bytes = fromHex(v.hex);
    for (const [how, events] of [['whole', new HdlcFrameParser().push(bytes)], ['byte by byte', byteByByte(new HdlcFrameParser(), bytes)]] as const) {
      t.equal(events.length, 1, `${v.name} (${how}): one event`);
      const f = frames(events)[0]!;
      t.equal(f.kind, v.kind, `${v.name}: kind`);
      t.same(f.destination, v.destination, `${v.name}: destination`);
      t.same(f.source, v.source, `${v.name}: source`);
      t.equal(f.pf, v.pf);
      if (v.ns !== undefined) t.equal(f.ns, v.ns);
      if (v.nr !== undefined) t.equal(f.nr, v.nr);
      if (v.segmented !== undefined) t.equal(f.segmented, v.segmented);
      if (v.info !== undefined) t.equal(toHex(f.info), v.info);
    }
  }
});

t.test('published frames are re-encoded byte for byte', async (t) => {
  for (const v of [...u9n.vectors, ...meterkit.snrm]) {
    const f = frames(new HdlcFrameParser().push(fromHex(v.hex)))[0]!;
    t.equal(toHex(encodeFrame(f)), v.hex, v.name);
  }
  // Built from scratch, not from a decoded frame.
  t.equal(toHex(encodeFrame({ kind: 'SNRM', destination: serverAddress(1, 17), source: clientAddress(16) })), u9n.vectors[0].hex);
  t.equal(
    toHex(encodeFrame({ kind: 'SNRM', destination: serverAddress(1, 17, 4), source: clientAddress(1), info: encodeHdlcParameters(meterkit.snrm[0].parameters) })),
    meterkit.snrm[0].hex,
    'SNRM with a 4-byte address and parameters',
  );
});

t.test('a meter stream of three windowed segments (4-byte address) splits on the length field', async (t) => {
  const bytes = fromHex(meterkit.stream.hex);
  for (const events of [new HdlcFrameParser().push(bytes), byteByByte(new HdlcFrameParser(), bytes)]) {
    const got = frames(events);
    t.equal(got.length, 3);
    got.forEach((f, i) => {
      const want = meterkit.stream.frames[i];
      t.match({ ns: f.ns, nr: f.nr, pf: f.pf, segmented: f.segmented, info: f.info.length }, want, `frame ${i + 1}`);
      t.same(f.source, { upper: 1, lower: 17, size: 4 });
    });
  }
});

t.test('0x7E inside a frame (length byte, payload, CRC) does not end it', async (t) => {
  const v = u9n.vectors.find((x: any) => x.hex.startsWith('7ea87e'));
  const f = frames(byteByByte(new HdlcFrameParser(), fromHex(v.hex)));
  t.equal(f.length, 1, 'length byte 0x7E');
  const info = Uint8Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 0x7e : i & 0xff));
  const frame = encodeFrame({ kind: 'I', destination: clientAddress(0x3f), source: serverAddress(0x3f, 0x3f), info, ns: 7, nr: 7 });
  const flagsInside = frame.subarray(1, -1).filter((b) => b === 0x7e).length;
  t.ok(flagsInside >= 100, `${flagsInside} flag bytes inside the frame`);
  const decoded = frames(byteByByte(new HdlcFrameParser(), frame));
  t.equal(decoded.length, 1);
  t.equal(toHex(decoded[0]!.info), toHex(info));
});

t.test('bad HCS/FCS are returned as defects and the next frame still decodes', async (t) => {
  const good = fromHex(u9n.vectors[2].hex);
  for (const at of [3, 6, 8, 20, good.length - 3, good.length - 2]) {
    const broken = good.slice();
    broken[at] = broken[at]! ^ 0x01;
    const parser = new HdlcFrameParser();
    const events = [...byteByByte(parser, broken), ...byteByByte(parser, good)];
    t.ok(events.some((e) => e.type === 'defect'), `flip at ${at} is reported`);
    t.equal(frames(events).length, 1, `flip at ${at}: the following good frame survives`);
    t.equal(toHex(frames(events)[0]!.info), u9n.vectors[2].info);
  }
  const fcs = good.slice();
  fcs[fcs.length - 2] = fcs[fcs.length - 2]! ^ 0xff;
  t.match(new HdlcFrameParser().push(fcs), [{ type: 'defect', defect: 'BAD_FCS' }]);
  const hcs = good.slice();
  hcs[9] = hcs[9]! ^ 0xff;
  t.match(new HdlcFrameParser().push(hcs), [{ type: 'defect', defect: 'BAD_FCS' }], 'a damaged HCS also breaks the FCS');
});

t.test('truncated input waits; a lost byte costs only its frame', async (t) => {
  const good = fromHex(u9n.vectors[3].hex);
  const parser = new HdlcFrameParser();
  t.same(parser.push(good.subarray(0, 20)), [], 'no event for half a frame');
  t.equal(parser.pending, 19);
  t.equal(frames(parser.push(good.subarray(20))).length, 1, 'completed by the rest');
  const lossy = new Uint8Array([...good.subarray(0, 30), ...good.subarray(31), ...good]);
  const events = byteByByte(new HdlcFrameParser(), lossy);
  t.ok(events.some((e) => e.type === 'defect'), 'the damaged frame is reported');
  t.equal(frames(events).length, 1, 'the next frame is found by re-scanning');
});

t.test('frames longer than the limit are refused as TOO_LONG', async (t) => {
  const long = encodeFrame({ kind: 'I', destination: clientAddress(16), source: serverAddress(1), info: new Uint8Array(200) });
  const parser = new HdlcFrameParser({ maxFrameLength: 128 });
  const events = parser.push(new Uint8Array([...long, ...fromHex(u9n.vectors[0].hex)]));
  t.match(events[0], { type: 'defect', defect: 'TOO_LONG' });
  t.equal(frames(events).length, 1, 'a following short frame is still delivered');
  t.throws(() => new HdlcFrameParser({ maxFrameLength: 4000 }), RangeError);
  t.throws(() => encodeFrame({ kind: 'I', destination: clientAddress(16), source: serverAddress(1), info: new Uint8Array(2100) }), RangeError);
});

const addressArb: fc.Arbitrary<HdlcAddress> = fc.oneof(
  fc.integer({ min: 0, max: 0x7f }).map((u) => serverAddress(u)),
  fc.tuple(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x7f })).map(([u, l]) => serverAddress(u, l, 2)),
  fc.tuple(fc.integer({ min: 0, max: 0x3fff }), fc.integer({ min: 0, max: 0x3fff })).map(([u, l]) => serverAddress(u, l, 4)),
);
const frameArb = fc.record({
  kind: fc.constantFrom<HdlcFrameKind>('I', 'RR', 'RNR', 'SNRM', 'DISC', 'UA', 'DM', 'FRMR', 'UI'),
  destination: addressArb,
  source: addressArb,
  pf: fc.boolean(),
  segmented: fc.boolean(),
  ns: fc.integer({ min: 0, max: 7 }),
  nr: fc.integer({ min: 0, max: 7 }),
  info: fc.uint8Array({ maxLength: 400 }).map((b) => b.map((x, i) => (i % 5 === 0 ? 0x7e : x))),
}).map((f) => ({
  ...f,
  ns: f.kind === 'I' ? f.ns : 0,
  nr: f.kind === 'I' || f.kind === 'RR' || f.kind === 'RNR' ? f.nr : 0,
  info: f.kind === 'RR' || f.kind === 'RNR' || f.kind === 'DISC' ? new Uint8Array(0) : f.info,
}));

t.test('fast-check: any sequence of frames, cut into any chunks, decodes to itself', async (t) => {
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), fc.boolean(), (list, cuts, shareFlags) => {
      const encoded = list.map((f) => encodeFrame(f));
      const joined: number[] = [];
      for (const e of encoded) {
        if (shareFlags && joined.length > 0) joined.push(...e.subarray(1));
        else joined.push(...e);
      }
      const stream = Uint8Array.from(joined);
      const parser = new HdlcFrameParser();
      const events: HdlcParserEvent[] = [];
      let at = 0;
      let k = 0;
      while (at < stream.length) {
        const n = cuts[k++ % cuts.length]!;
        events.push(...parser.push(stream.subarray(at, at + n)));
        at += n;
      }
      const got = frames(events);
      if (got.length !== list.length || events.length !== list.length) return false;
      return got.every((f, i) => toHex(encodeFrame(f)) === toHex(encoded[i]!));
    }),
    { numRuns: 300 },
  );
  t.pass();
});

t.test('fast-check: random bytes never throw and never yield a frame with a bad check sequence', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const events = new HdlcFrameParser().push(bytes);
      return frames(events).every((f) => toHex(encodeFrame(f)).length > 0);
    }),
    { numRuns: 500 },
  );
  t.pass();
});

t.test('SNRM/UA parameter negotiation', async (t) => {
  const ua = u9n.vectors[1];
  const info = frames(new HdlcFrameParser().push(fromHex(ua.hex)))[0]!.info;
  t.same(decodeHdlcParameters(info), ua.parameters, 'published UA parameters');
  t.equal(toHex(encodeHdlcParameters(ua.parameters)), toHex(info), 'and re-encoded');
  t.same(decodeHdlcParameters(new Uint8Array(0)), { maxInfoTx: 128, maxInfoRx: 128, windowTx: 1, windowRx: 1 }, 'empty field = defaults');
  const client = { maxInfoTx: 512, maxInfoRx: 1024, windowTx: 7, windowRx: 3 };
  const server = { maxInfoTx: 256, maxInfoRx: 2030, windowTx: 1, windowRx: 7 };
  const answer = answerHdlcParameters(client, server);
  t.same(answer, { maxInfoTx: 256, maxInfoRx: 512, windowTx: 1, windowRx: 7 });
  t.same(clientViewOf(answer), { maxInfoTx: 512, maxInfoRx: 256, windowTx: 7, windowRx: 1 });
  t.same(decodeHdlcParameters(encodeHdlcParameters(client)), client);
  for (const bad of ['8180', '818003050110', '8181020501', '818006050180060100', '818006070400000009']) {
    t.throws(() => decodeHdlcParameters(fromHex(bad)), HdlcError, bad);
  }
});
