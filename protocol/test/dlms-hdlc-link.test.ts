import t from 'tap';
import { toHex } from '../src/index.js';
import {
  clientAddress, encodeFrame, HdlcFrameParser, HdlcLink, serverAddress,
  type HdlcLinkEffect, type HdlcParameters,
} from '../src/dlms/index.js';

/**
 * Two pure links wired back to back. Effects are executed synchronously; `drop` may swallow a
 * frame in flight; the client's timer is only a flag the test fires by calling `expire()`.
 */
class Rig {
  readonly client: HdlcLink;
  readonly server: HdlcLink;
  readonly clientApdus: Uint8Array[] = [];
  readonly serverApdus: Uint8Array[] = [];
  readonly errors: Error[] = [];
  readonly events: string[] = [];
  readonly wire: Array<{ from: 'client' | 'server'; bytes: Uint8Array }> = [];
  timerArmed = false;
  drop: (from: 'client' | 'server', bytes: Uint8Array, index: number) => boolean = () => false;
  answer: (apdu: Uint8Array) => Uint8Array | undefined = (apdu) => apdu;
  #sent = 0;

  constructor(clientParams: HdlcParameters, serverParams: HdlcParameters, options: { silent?: boolean } = {}) {
    this.client = new HdlcLink({ role: 'client', local: clientAddress(16), remote: serverAddress(1, 17), parameters: clientParams, maxRetries: 3, responseTimeoutMs: 100 });
    this.server = new HdlcLink({ role: 'server', local: serverAddress(1, 17), parameters: serverParams });
    if (options.silent) this.drop = (from) => from === 'client';
  }

  run(from: 'client' | 'server', effects: HdlcLinkEffect[]): void {
    for (const e of effects) {
      switch (e.type) {
        case 'send': {
          const index = this.#sent++;
          this.wire.push({ from, bytes: e.bytes });
          if (this.drop(from, e.bytes, index)) break;
          if (from === 'client') this.run('server', this.server.receive(e.bytes));
          else this.run('client', this.client.receive(e.bytes));
          break;
        }
        case 'timer':
          if (from === 'client') this.timerArmed = true;
          break;
        case 'cancel-timer':
          if (from === 'client') this.timerArmed = false;
          break;
        case 'apdu':
          if (from === 'client') this.clientApdus.push(e.apdu);
          else {
            this.serverApdus.push(e.apdu);
            const response = this.answer(e.apdu);
            if (response !== undefined) this.run('server', this.server.send(response));
          }
          break;
        case 'error':
          this.errors.push(e.error);
          break;
        default:
          this.events.push(`${from}:${e.type}`);
      }
    }
  }

  expire(): void {
    this.timerArmed = false;
    this.run('client', this.client.timeout());
  }

  framesFrom(from: 'client' | 'server'): number {
    return this.wire.filter((w) => w.from === from).length;
  }
}

const params = (maxInfoTx: number, maxInfoRx: number, windowTx = 1, windowRx = 1): HdlcParameters => ({ maxInfoTx, maxInfoRx, windowTx, windowRx });
const bytes = (n: number, seed = 1): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

t.test('SNRM/UA negotiates the smaller limits; the client sees them from its side', async (t) => {
  const rig = new Rig(params(64, 48), params(128, 128));
  rig.run('client', rig.client.connect());
  t.equal(rig.client.state, 'connected');
  t.equal(rig.server.state, 'connected');
  t.same(rig.client.parameters, params(64, 48));
  t.same(rig.server.parameters, params(48, 64));
  t.ok(rig.events.includes('client:connected') && rig.events.includes('server:connected'));
  t.equal(rig.timerArmed, false, 'timer cancelled by the UA');
});

t.test('a 1000-byte request and a 5000-byte response travel in many segments, LLC only in the first', async (t) => {
  const rig = new Rig(params(64, 64), params(128, 128));
  rig.run('client', rig.client.connect());
  const request = bytes(1000);
  const response = bytes(5000, 7);
  rig.answer = () => response;
  rig.run('client', rig.client.send(request));
  t.equal(rig.serverApdus.length, 1);
  t.equal(toHex(rig.serverApdus[0]!), toHex(request));
  t.equal(rig.clientApdus.length, 1);
  t.equal(toHex(rig.clientApdus[0]!), toHex(response));
  const serverFrames = rig.wire.filter((w) => w.from === 'server').map((w) => new HdlcFrameParser().push(w.bytes)[0]).flatMap((e) => (e?.type === 'frame' && e.frame.kind === 'I' ? [e.frame] : []));
  t.equal(serverFrames.length, Math.ceil((5000 + 3) / 64), 'response segments');
  t.equal(toHex(serverFrames[0]!.info.subarray(0, 3)), 'e6e700', 'LLC header in the first segment');
  t.equal(toHex(serverFrames[1]!.info.subarray(0, 64)), toHex(response.subarray(61, 125)), 'the second continues the APDU without LLC');
  t.ok(serverFrames.slice(0, -1).every((f) => f.segmented) && !serverFrames.at(-1)!.segmented, 'S bit on all but the last');
  t.ok(serverFrames.every((f, i) => f.ns === i % 8), 'N(S) counts modulo 8');
  t.equal(rig.errors.length, 0);
  // A second exchange continues the sequence numbers.
  rig.answer = (a) => a;
  rig.run('client', rig.client.send(bytes(10)));
  t.equal(toHex(rig.clientApdus[1]!), toHex(bytes(10)));
});

t.test('window 3: P/F only on the last frame of each window, one RR per window', async (t) => {
  const rig = new Rig(params(64, 64, 1, 3), params(64, 64, 3, 1));
  rig.run('client', rig.client.connect());
  t.same(rig.server.parameters, params(64, 64, 3, 1));
  rig.answer = () => bytes(640, 3);
  rig.run('client', rig.client.send(bytes(5)));
  t.equal(toHex(rig.clientApdus[0]!), toHex(bytes(640, 3)));
  const serverI = rig.wire.filter((w) => w.from === 'server').flatMap((w) => new HdlcFrameParser().push(w.bytes)).flatMap((e) => (e.type === 'frame' && e.frame.kind === 'I' ? [e.frame] : []));
  t.equal(serverI.length, 11);
  t.same(serverI.map((f) => f.pf), [false, false, true, false, false, true, false, false, true, false, true]);
  const clientRr = rig.wire.filter((w) => w.from === 'client').flatMap((w) => new HdlcFrameParser().push(w.bytes)).flatMap((e) => (e.type === 'frame' && e.frame.kind === 'RR' ? [e.frame] : []));
  t.equal(clientRr.length, 3, 'one RR per full window');
});

t.test('a lost response segment is recovered by the RR poll after the timeout', async (t) => {
  const rig = new Rig(params(64, 64), params(64, 64));
  rig.run('client', rig.client.connect());
  rig.answer = () => bytes(400, 9);
  let dropped = false;
  rig.drop = (from, b) => {
    const f = new HdlcFrameParser().push(b)[0];
    if (!dropped && from === 'server' && f?.type === 'frame' && f.frame.kind === 'I' && f.frame.ns === 3) return (dropped = true);
    return false;
  };
  rig.run('client', rig.client.send(bytes(5)));
  t.equal(rig.clientApdus.length, 0, 'stalled');
  t.ok(rig.timerArmed);
  rig.expire();
  t.equal(rig.clientApdus.length, 1);
  t.equal(toHex(rig.clientApdus[0]!), toHex(bytes(400, 9)));
  t.equal(rig.serverApdus.length, 1, 'the server processed the request once');
});

t.test('a lost request segment is re-sent; a lost final answer is repeated, not re-processed', async (t) => {
  const rig = new Rig(params(64, 64), params(64, 64));
  rig.run('client', rig.client.connect());
  let dropClient = true;
  rig.drop = (from, b) => {
    const f = new HdlcFrameParser().push(b)[0];
    if (dropClient && from === 'client' && f?.type === 'frame' && f.frame.kind === 'I' && f.frame.ns === 1) {
      dropClient = false;
      return true;
    }
    return false;
  };
  rig.run('client', rig.client.send(bytes(150)));
  rig.expire();
  t.equal(toHex(rig.serverApdus[0]!), toHex(bytes(150)), 'request complete after the repeat');
  t.equal(rig.clientApdus.length, 1);

  let dropAnswer = true;
  rig.drop = (from) => {
    if (dropAnswer && from === 'server') {
      dropAnswer = false;
      return true;
    }
    return false;
  };
  rig.run('client', rig.client.send(bytes(20, 4)));
  t.equal(rig.clientApdus.length, 1, 'answer lost');
  rig.expire();
  t.equal(rig.clientApdus.length, 2, 'answer repeated');
  t.equal(toHex(rig.clientApdus[1]!), toHex(bytes(20, 4)));
  t.equal(rig.serverApdus.length, 2, 'the duplicate request was not delivered twice');
});

t.test('a silent meter ends in DLMS_HDLC_TIMEOUT after the retries', async (t) => {
  const rig = new Rig(params(128, 128), params(128, 128), { silent: true });
  rig.run('client', rig.client.connect());
  for (let i = 0; i < 3; i++) {
    t.ok(rig.timerArmed);
    rig.expire();
    t.equal(rig.errors.length, 0, `retry ${i + 1}`);
  }
  rig.expire();
  t.equal(rig.errors.length, 1);
  t.match(rig.errors[0], { code: 'DLMS_HDLC_TIMEOUT', layer: 'HDLC', message: /no UA to SNRM .* 4 attempts/ });
  t.equal(rig.framesFrom('client'), 4, 'SNRM sent 4 times');
  t.equal(rig.client.state, 'disconnected');
});

t.test('DM refuses a connection, FRMR rejects, DISC releases, a disconnected server answers DM', async (t) => {
  const client = new HdlcLink({ role: 'client', local: clientAddress(16), remote: serverAddress(1) });
  client.connect();
  const dm = encodeFrame({ kind: 'DM', destination: clientAddress(16), source: serverAddress(1) });
  t.match(client.receive(dm), [{ type: 'error', error: { code: 'DLMS_HDLC_REFUSED' } }, { type: 'cancel-timer' }, { type: 'disconnected', reason: 'DM' }]);

  const rig = new Rig(params(128, 128), params(128, 128));
  rig.run('client', rig.client.connect());
  rig.drop = () => true;
  rig.run('client', rig.client.send(bytes(4)));
  const frmr = encodeFrame({ kind: 'FRMR', destination: clientAddress(16), source: serverAddress(1, 17), info: Uint8Array.of(1, 2, 3) });
  const effects = rig.client.receive(frmr);
  t.match(effects[0], { type: 'error', error: { code: 'DLMS_HDLC_FRAME_REJECTED', message: /FRMR 010203/ } });
  t.equal(rig.client.state, 'disconnected');

  const rig2 = new Rig(params(128, 128), params(128, 128));
  rig2.run('client', rig2.client.connect());
  rig2.run('client', rig2.client.disconnect());
  t.equal(rig2.client.state, 'disconnected');
  t.equal(rig2.server.state, 'disconnected');
  t.ok(rig2.events.includes('client:disconnected') && rig2.events.includes('server:disconnected'));
  const stray = encodeFrame({ kind: 'I', destination: serverAddress(1, 17), source: clientAddress(16), info: Uint8Array.of(0xe6, 0xe6, 0, 1) });
  const answer = rig2.server.receive(stray);
  t.match(new HdlcFrameParser().push((answer[0] as { bytes: Uint8Array }).bytes), [{ type: 'frame', frame: { kind: 'DM' } }]);
  t.throws(() => rig2.client.send(bytes(1)), { code: 'DLMS_HDLC_DISCONNECTED' });
});

t.test('frames for another station on a multi-drop line are ignored', async (t) => {
  const rig = new Rig(params(128, 128), params(128, 128));
  rig.run('client', rig.client.connect());
  rig.drop = () => true;
  rig.run('client', rig.client.send(bytes(4)));
  const other = encodeFrame({ kind: 'I', destination: clientAddress(16), source: serverAddress(5, 17), info: Uint8Array.of(0xe6, 0xe7, 0, 9) });
  t.same(rig.client.receive(other), []);
  t.equal(rig.client.foreignFrames, 1);
  t.equal(rig.server.receive(encodeFrame({ kind: 'SNRM', destination: serverAddress(2, 17), source: clientAddress(16) })).length, 0);
});

t.test('fast-check: garbage bytes into either end never throw', async (t) => {
  const fc = (await import('fast-check')).default;
  fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
    const rig = new Rig(params(128, 128), params(128, 128));
    rig.run('client', rig.client.connect());
    for (const chunk of chunks) {
      rig.server.receive(chunk);
      rig.client.receive(chunk);
      rig.client.timeout();
    }
    return true;
  }), { numRuns: 300 });
  t.pass();
});
