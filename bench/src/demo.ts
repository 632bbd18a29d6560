/**
 * `npm start`: the end-to-end demo (bench/src/demo/run-demo.ts). One ledger node, a gateway
 * with its embedded MQTT broker for each of the patent's intermediaries Da and Db, and the
 * real meter firmware for every producer and consumer, over one simulated day; then the
 * per-consumer table and Ca's certificate application, verified offline.
 * Ctrl-C stops everything cleanly (a second one exits at once).
 */
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemoAbortedError, DemoSetupError, runDemo } from './demo/run-demo.js';
import { defaultOutName, parseDemoArgs, USAGE, UsageError } from './demo/options.js';
import { plainProgress, terminalProgress } from './demo/progress.js';
import { PATENT_SCENARIO } from './demo/scenario.js';
import { methodName } from './demo/table.js';

const LEDGER_NODE_BIN = fileURLToPath(new URL('../../ledger-node/bin/ledger-node.mjs', import.meta.url));
const out = (line = ''): void => void process.stdout.write(`${line}\n`);

async function main(args: readonly string[]): Promise<number> {
  let options;
  try {
    options = parseDemoArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`demo: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    out(USAGE);
    return 0;
  }
  // npm runs workspace scripts in the workspace folder; paths are relative to where `npm start` was typed.
  const base = process.env['INIT_CWD'] ?? process.cwd();
  const outDir = resolve(base, options.outDir ?? `out/${defaultOutName(Date.now())}`);
  const shown = relative(base, outDir).startsWith('..') ? outDir : relative(base, outDir) || '.';
  const scenario = PATENT_SCENARIO;
  const meters = scenario.producers.length + scenario.consumers.length;
  out(`wattledger demo: ${scenario.intermediaries.map((i) => i.name).join(' and ')} with a gateway each (embedded MQTT broker), one ledger node, ` +
    `${meters} meters running the real firmware; ${options.hours} simulated hours from ${new Date(options.startMs).toISOString().slice(0, 16)}Z at ${Math.round(options.speed)}x ` +
    `(~${Math.round((options.hours * 3600) / options.speed)} s). Ctrl-C stops.`);
  out(`producers: ${scenario.producers.map((p) => `${p.name} ${p.method} (${p.intermediary})`).join(', ')}`);
  out(`consumers: ${scenario.consumers.map((c) => `${c.name} ${c.targetPercent} % renewable from ${c.providers.join('+')} (${c.intermediary})`).join(', ')}`);
  out(`policy: ${scenario.policies.map((p) => `${p.from} lends ${p.methods.join(', ')} to ${p.to}`).join('; ')}`);

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    if (++interrupts > 1) {
      process.stderr.write('\ndemo: second interrupt, exiting without a clean stop\n');
      process.exit(130);
    }
    process.stderr.write('\ndemo: stopping meters, gateways and the ledger node...\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = process.stdout.isTTY ? terminalProgress(process.stdout) : plainProgress((line) => out(line));
  try {
    const result = await runDemo({ startMs: options.startMs, hours: options.hours, speed: options.speed, outDir, progress, signal: controller.signal });
    out();
    out(result.table);
    out();
    const name = (id: string): string => result.names.get(id) ?? id;
    for (const c of result.consumers) {
      for (const b of c.borrowed) out(`${c.name}: ${b.wh.toLocaleString('en-US')} Wh of ${methodName(b.method)} borrowed from ${name(b.lender)}'s pool (transfers ${name(b.lender)} -> ${name(c.intermediary)} -> ${c.name} on the ledger)`);
    }
    const { check, jsonFile, htmlFile, headersFile } = result.certificate;
    const claim = check.claim;
    out();
    out(`certificate application for ${scenario.certificateFor}: ${check.ok ? 'VERIFIED offline against the exported block headers' : `FAILED verification: ${check.errors.join('; ')}`}` +
      (claim ? ` (usage ${claim.usageWh.toLocaleString('en-US')} Wh, renewable ${check.renewablePercent?.toFixed(1)} %, ${result.certificate.application.evidence.txs.length} transactions and ${result.certificate.application.evidence.events.length} events with Merkle proofs)` : ''));
    const rejected = Object.entries(result.readings.rejected);
    out(`readings signed by the meters: ${result.readings.sealed}; intervals closed: ${Object.entries(result.readings.intervalsClosed).map(([k, v]) => `${k} ${v}`).join(', ')}; gateway refusals: ${rejected.length === 0 ? 'none' : rejected.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    out();
    const files: Array<[string, string]> = [
      [`${relative(outDir, jsonFile)}, ${relative(outDir, htmlFile)}`, `${scenario.certificateFor}'s certificate application (open the HTML in a browser)`],
      [relative(outDir, headersFile), 'the block headers it was verified against'],
      ['report.txt, report.json', 'the table above, with party ids'],
      ['data/', 'the ledger, the gateways\' journals and logs'],
    ];
    const width = Math.max(...files.map(([f]) => f.length));
    out(`output in ${shown}/`);
    for (const [file, what] of files) out(`  ${file.padEnd(width)}  ${what}`);
    out(`check it again: node ${relative(base, LEDGER_NODE_BIN)} verify-certificate ${relative(base, jsonFile)} --headers ${relative(base, headersFile)}`);
    return check.ok ? 0 : 1;
  } catch (error) {
    progress.end();
    if (error instanceof DemoSetupError) {
      process.stderr.write(`demo: ${error.message}\n`);
      return 2;
    }
    if (error instanceof DemoAbortedError) {
      out(`demo interrupted; everything stopped. Partial output in ${shown}/`);
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main(process.argv.slice(2));
