/**
 * The meter side of pairing as the device runs it (FieldMeter: commissioning shell, protocol's
 * responder, staged provisioning, the device's expanded-key signer, cbor-lite) runs inside the
 * real Moddable XS engine (@agoric/xsnap) and puts the same bytes on the radio, publishes the
 * same messages and leaves the same records as on Node: a wrong code, a replayed handshake,
 * a pairing over BLE framing committed on the first acknowledged reading, and one over NFC
 * framing rolled back at its fail-safe.
 */
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { nodeEd25519, runInXs } from '@wattledger/protocol/node';
import { expandedKeyEd25519 } from '../src/crypto/ed25519-expanded-key.js';
import { bundleXsScript } from '../src/platform/node/xs-bundle.js';
import { runPairingScenario } from './pairing-xs-scenario.js';

const entry = fileURLToPath(new URL('./pairing-xs-entry.ts', import.meta.url));

t.test('XS engine and Node: same radio units, messages and records for the same pairing', async (t) => {
  const node = runPairingScenario(expandedKeyEd25519);
  t.same(runPairingScenario(nodeEd25519), node, 'node:crypto and the device signer agree on Node');
  t.ok(node.some((l) => l.startsWith('m41 pairing {"type":"committed"}')), 'the BLE pairing commits');
  t.ok(node.some((l) => l.startsWith('m42 pairing {"type":"rolled-back","reason":"ROLLED_BACK","provisioned":false}')), 'the NFC pairing rolls back');
  t.ok(node.some((l) => l.includes('"code":"REPLAYED"')) && node.some((l) => l.includes('"code":"WRONG_SETUP_CODE"')), 'refusals happen');
  const radio = node.filter((l) => l.includes(' radio '));
  t.ok(radio.length > 20, `${radio.length} radio units from the meters`);

  const script = await bundleXsScript(entry);
  const { messages, elapsedMs } = await runInXs(script, { timeoutMs: 240_000 });
  const xs = messages.map((m) => new TextDecoder().decode(m));
  t.equal(xs.length, node.length, `same number of lines (XS ran ${Math.round(elapsedMs)} ms)`);
  const firstDifference = xs.findIndex((line, i) => line !== node[i]);
  t.equal(firstDifference, -1, firstDifference < 0 ? 'byte-identical' : `first difference at line ${firstDifference}: XS ${xs[firstDifference]?.slice(0, 160)} / Node ${node[firstDifference]?.slice(0, 160)}`);
});

t.test('the pairable device program bundles as ESM importing only Moddable modules (a separate bundle: it exceeds the 64 KB of main.js)', async (t) => {
  const { bundlePairingDevice, MODDABLE_BLE_MODULES } = await import('../src/pairing/xs-pairing-bundle.js');
  const { bundleDevice, MODDABLE_MODULES } = await import('../src/platform/node/xs-bundle.js');
  const [pairing, main] = await Promise.all([bundlePairingDevice(), bundleDevice()]);
  const imports = [...pairing.code.matchAll(/import\s*[^'"]*?from\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  const moddable = (name: string) => [...MODDABLE_MODULES, ...MODDABLE_BLE_MODULES].some((m) => (m.endsWith('*') ? name.startsWith(m.slice(0, -1)) : name === m));
  t.same(imports.filter((name) => !moddable(name)), [], 'no Node or npm module left unbundled');
  t.ok(imports.includes('bleserver'), 'the BLE GATT server is imported from Moddable');
  t.notOk(/cbor-x|node:/.test(pairing.code), 'cbor-lite, nothing from node:*');
  t.ok(pairing.inputs.some(([file]) => file.endsWith('pairing/responder.ts')) && pairing.inputs.some(([file]) => file.endsWith('pairing/field-meter.ts')));
  t.notOk(main.inputs.some(([file]) => file.includes('/pairing/')), 'main.js carries no pairing code');
  t.ok(pairing.bytes > main.bytes, `pairable ${pairing.bytes} B, main ${main.bytes} B`);
});
