/**
 * The firmware core bundled as on the device (esbuild, cbor-lite in place of cbor-x) runs
 * inside the real Moddable XS engine (@agoric/xsnap) and publishes byte-identical signed
 * readings, batches, status and log lines to the same run on Node (DESIGN §5).
 */
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { decodeSignedReadings, fromHex, nobleEd25519 } from '@wattledger/protocol';
import { nodeEd25519, runInXs } from '@wattledger/protocol/node';
import { bundleXsScript } from '../src/platform/node/xs-bundle.js';
import { expandedKeyEd25519 } from '../src/crypto/ed25519-expanded-key.js';
import { runMeterScenario } from './fixtures/meter-scenario.js';

const INTERMEDIARY_SECRET = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
const entry = fileURLToPath(new URL('./fixtures/xs-scenario-entry.ts', import.meta.url));

t.test('XS engine and Node publish the same bytes for the same inputs', async (t) => {
  const node = runMeterScenario(nodeEd25519, INTERMEDIARY_SECRET);
  t.same(runMeterScenario(nobleEd25519, INTERMEDIARY_SECRET), node, 'noble and node:crypto agree on Node');
  t.same(runMeterScenario(expandedKeyEd25519, INTERMEDIARY_SECRET), node, 'so does the expanded-key signer the device uses');
  const published = node.filter((l) => l.includes('/readings '));
  t.ok(published.length > 40, `${published.length} reading messages in the scenario`);
  t.ok(node.some((l) => l.includes('/status 7b22')), 'it announces its status');
  const counts = published.map((l) => decodeSignedReadings(fromHex(l.split(' ')[1]!)).readings.length);
  t.ok(counts.some((n) => n > 1), `the backlog after the outage goes out in batches (${counts.filter((n) => n > 1).join(', ')} readings)`);
  t.ok(node.some((l) => l.startsWith('log warn broker connection lost')), 'the outage happens');
  t.ok(node.some((l) => l.startsWith('config {"ok":true')), 'a config applies');

  const script = await bundleXsScript(entry);
  const { messages } = await runInXs(script, { timeoutMs: 240_000 });
  const xs = messages.map((m) => new TextDecoder().decode(m));
  t.equal(xs.length, node.length, 'same number of lines');
  const firstDifference = xs.findIndex((line, i) => line !== node[i]);
  t.equal(firstDifference, -1, firstDifference < 0 ? 'byte-identical' : `first difference at line ${firstDifference}: XS ${xs[firstDifference]?.slice(0, 160)} / Node ${node[firstDifference]?.slice(0, 160)}`);
});
