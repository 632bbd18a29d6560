/** The device bundle (npm run build -w firmware): ESM for Moddable, within the 64 KB budget. */
import t from 'tap';
import { bundleDevice, MODDABLE_MODULES } from '../src/platform/node/xs-bundle.js';

t.test('the device bundle is minified ESM importing only Moddable modules, at most 64 KB', async (t) => {
  const bundle = await bundleDevice();
  t.ok(bundle.bytes <= 64 * 1024, `${bundle.bytes} bytes`);
  const imports = [...bundle.code.matchAll(/import\s*[^'"]*?from\s*["']([^"']+)["']/g)].map((m) => m[1]!);
  t.ok(imports.length >= 5, `imports: ${imports.join(', ')}`);
  const moddable = (name: string) => MODDABLE_MODULES.some((m) => (m.endsWith('*') ? name.startsWith(m.slice(0, -1)) : name === m));
  t.same(imports.filter((name) => !moddable(name)), [], 'no Node or npm module left unbundled');
  t.notOk(/cbor-x|node:/.test(bundle.code), 'cbor-x is replaced by cbor-lite, nothing from node:*');
  t.ok(bundle.inputs.some(([file]) => file.endsWith('cbor-lite.ts')));
  t.notOk(bundle.inputs.some(([file]) => file.includes('protocol/src/ledger/')), 'unused protocol codecs are shaken out');
  t.notOk(bundle.inputs.some(([file]) => file.includes('protocol/src/cbor-canonical')), 'the canonical fast decoders are left out (WL_GENERAL_DECODERS)');
});
