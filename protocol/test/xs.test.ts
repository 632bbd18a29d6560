import t from 'tap';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { runInXs } from '../src/node/index.js';

// The entry signs readings and a transaction with fixed keys; XS and Node must print the same bytes.
const entry = fileURLToPath(new URL('./fixtures/xs-entry.ts', import.meta.url));

t.test('protocol bundle runs unchanged in the XS engine with byte-identical output', async (t) => {
  const bundle = await build({ entryPoints: [entry], bundle: true, format: 'iife', target: 'es2022', write: false, platform: 'neutral', mainFields: ['module', 'main'] });
  const xs = await runInXs(bundle.outputFiles[0]!.text);
  const fromXs = xs.messages.map((m) => new TextDecoder().decode(m));

  const fromNode: string[] = [];
  (globalThis as { issueCommand?: (b: ArrayBuffer) => void }).issueCommand = (b) => fromNode.push(new TextDecoder().decode(b));
  await import(`${entry}?node`);
  t.equal(fromXs.length, 5, 'XS emitted every line');
  t.same(fromXs, fromNode, 'identical signed readings, batch and transaction');
  t.match(fromXs[3], /^error meter id .* is not derived/, 'typed error crossed the engine boundary');
});
