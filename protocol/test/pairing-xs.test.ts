// The meter side of pairing runs unchanged in the real XS engine (@agoric/xsnap) and produces
// the same bytes as on Node: a recorded session (wrong code, replay, pairing, poll, commit) is
// replayed into the responder in both engines, plus the Noise NK vector's responder side.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import t from 'tap';
import { toHex } from '../src/bytes.js';
import { runInXs } from '../src/node/index.js';
import { bleFraming } from '../src/pairing/index.js';
import { METER_ED25519_SEED, METER_X25519_SECRET, PairingRig, SETUP_CODE } from './fixtures/pairing-rig.js';
import type { XsPairingInput } from './fixtures/pairing-xs-entry.js';

const entry = fileURLToPath(new URL('./fixtures/pairing-xs-entry.ts', import.meta.url));
const vectorFile = fileURLToPath(new URL('./vectors/noise-cacophony/Noise_NK_25519_ChaChaPoly_SHA256.json', import.meta.url));

function recordSession(): { rig: PairingRig; input: XsPairingInput } {
  const rig = new PairingRig(bleFraming(23));
  rig.openWindow();
  rig.startTechnician({ setupCode: '13572468' });
  rig.pump();
  rig.startTechnician();
  rig.pump();
  rig.injectToMeter(rig.meterIn[0]!); // an eavesdropper replays the first handshake message
  rig.link.a.drain(); // its refusal goes to the eavesdropper, not to the technician
  rig.now += 2_000;
  rig.techEvent({ type: 'poll' });
  rig.pump();
  rig.now += 60_000;
  rig.meterEvent({ type: 'reading-acked', at: rig.now });
  rig.pump();
  const vector = (JSON.parse(readFileSync(vectorFile, 'utf8')) as { vectors: Array<{ resp_prologue: string; resp_static: string; resp_ephemeral: string; messages: Array<{ payload: string; ciphertext: string }> }> }).vectors[0]!;
  const input: XsPairingInput = {
    meterSeed: toHex(METER_ED25519_SEED),
    staticSecret: toHex(METER_X25519_SECRET),
    setupCode: SETUP_CODE,
    events: rig.meterLog.map((e) => (e.type === 'frame' ? { type: e.type, at: e.at, bytes: toHex(e.bytes), random: toHex(e.random) } : { ...e })),
    vector: { prologue: vector.resp_prologue, respStatic: vector.resp_static, respEphemeral: vector.resp_ephemeral, messages: vector.messages },
  };
  return { rig, input };
}

t.test('meter responder: XS and Node emit identical bytes for a recorded pairing', async (t) => {
  const { rig, input } = recordSession();
  t.ok(rig.techEffects.some((e) => e.type === 'done'), 'the recorded session ended committed on Node');

  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'iife', target: 'es2022', write: false, platform: 'neutral', mainFields: ['module', 'main'] });
  const source = `globalThis.PAIRING_INPUT = ${JSON.stringify(input)};\n${bundle.outputFiles[0]!.text}`;
  const xs = await runInXs(source, { timeoutMs: 100_000 });
  const fromXs = xs.messages.map((m) => new TextDecoder().decode(m));

  const fromNode: string[] = [];
  (globalThis as { issueCommand?: (b: ArrayBuffer) => void }).issueCommand = (b) => fromNode.push(new TextDecoder().decode(b));
  (globalThis as { PAIRING_INPUT?: XsPairingInput }).PAIRING_INPUT = input;
  await import(`${entry}?node`);

  t.ok(fromXs.length > 10, `XS emitted ${fromXs.length} lines in ${xs.elapsedMs.toFixed(0)} ms`);
  t.same(fromXs, fromNode, 'XS and Node agree line for line');
  const sent = fromXs.filter((l) => l.startsWith('send ')).map((l) => l.slice(5));
  t.same(sent, rig.meterOut.map(toHex), 'XS sent exactly the frames the meter sent during the live session on Node');
  t.ok(fromXs.some((l) => l.startsWith('refused WRONG_SETUP_CODE')), 'wrong code refused in XS');
  t.ok(fromXs.some((l) => l.startsWith('refused REPLAYED')), 'replayed handshake refused in XS');
  t.ok(fromXs.some((l) => l.startsWith('stage ')) && fromXs.some((l) => l.startsWith('commit ')), 'staged then committed in XS');
  const v = input.vector;
  t.same(fromXs.filter((l) => l.startsWith('noise-')), [
    `noise-read ${v.messages[0]!.payload}`,
    `noise-write ${v.messages[1]!.ciphertext}`,
    ...v.messages.slice(2).map((m, i) => (i % 2 === 0 ? `noise-recv ${m.payload}` : `noise-send ${m.ciphertext}`)),
  ], 'Noise NK vector (responder side) holds in XS');
});
