/** The ledger-node command: export-headers and verify-certificate on real files, and usage errors. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { genesisToJson } from '../src/core/genesis.js';
import { LedgerNode } from '../src/node/ledger-node.js';
import { buildCertificate } from '../src/certificate/build-certificate.js';
import { patentWorld, T1, T3 } from './helpers/patent-world.js';

const BIN = new URL('../bin/ledger-node.mjs', import.meta.url).pathname;
const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });

t.test('export-headers and verify-certificate', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-cli-'));
  const w = patentWorld({ withPolicy: true, seed: 'cli' });
  const genesisFile = join(dir, 'genesis.json');
  writeFileSync(genesisFile, JSON.stringify(genesisToJson(w.genesis)));
  const dataDir = join(dir, 'data');
  const node = await LedgerNode.open({ dataDir, genesis: w.genesis, verifyWorkers: 0 });
  for (const batch of [w.setup, w.interval1, w.interval2, w.interval3]) await Promise.all(batch.map((tx) => node.submit(tx)));
  const certificate = buildCertificate({ store: node.store, state: node.state, genesis: w.genesis, head: node.head }, w.actors.Ca.id, T1, T3 + 1800, w.actors.Da.signer);
  await node.close();

  const headersFile = join(dir, 'headers.json');
  const exported = cli('export-headers', '--data', dataDir, '--genesis', genesisFile, '--out', headersFile);
  t.equal(exported.status, 0, exported.stderr);
  const certFile = join(dir, 'certificate.json');
  writeFileSync(certFile, JSON.stringify(certificate));
  const ok = cli('verify-certificate', certFile, '--headers', headersFile);
  t.equal(ok.status, 0, ok.stdout + ok.stderr);
  t.match(ok.stdout, /^OK: .*30000 Wh renewable \(15\.79 %\)/);

  const tampered = JSON.parse(JSON.stringify(certificate)) as { evidence: { events: unknown[] } };
  tampered.evidence.events.shift();
  writeFileSync(certFile, JSON.stringify(tampered));
  const bad = cli('verify-certificate', certFile, '--headers', headersFile);
  t.equal(bad.status, 1);
  t.match(bad.stdout, /^FAIL: /m);

  t.equal(cli().status, 2, 'no command');
  t.equal(cli('verify-certificate').status, 2, 'missing file');
  t.equal(cli('start', '--port', '99999').status, 2, 'bad port');
  const wrong = cli('export-headers', '--data', dataDir, '--genesis', join(dir, 'nope.json'));
  t.equal(wrong.status, 1);
  t.match(wrong.stderr, /ledger-node: /);
  rmSync(dir, { recursive: true, force: true });
});
