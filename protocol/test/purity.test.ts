import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// STYLE.md "Pure core": protocol/src (except src/node) imports no node:* module and no host globals.
const src = fileURLToPath(new URL('../src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node' ? [] : files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

t.test('the pure protocol core imports no node:* module, Buffer or process', async (t) => {
  const offenders = files(src).filter((file) => /from ['"]node:|require\(|\bBuffer\.|\bprocess\./.test(readFileSync(file, 'utf8')));
  t.same(offenders, [], 'no host dependencies in protocol/src');
  t.ok(files(src).length > 5, 'the scan saw the sources');
});
