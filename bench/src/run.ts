/**
 * `npm run bench -w bench -- <name>`: runs bench/src/benches/<name>.ts, whose default export
 * is `() => Promise<BenchReport>`, and prints its table and, as the last line, its JSON.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printReport, type BenchReport } from './report.js';

const dir = fileURLToPath(new URL('./benches/', import.meta.url));
const available = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const name = process.argv[2];

if (name === undefined || !available.includes(name)) {
  process.stderr.write(`${name === undefined ? 'no benchmark named' : `unknown benchmark "${name}"`}; available: ${available.join(', ')}\n`);
  process.stderr.write('usage: npm run bench -w bench -- <name> [options]\n');
  process.exit(2);
}

const module = (await import(`./benches/${name}.ts`)) as { default: (args: string[]) => Promise<BenchReport> };
const report = await module.default(process.argv.slice(3));
printReport(report);
