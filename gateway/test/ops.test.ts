/** Operations: Prometheus exposition, rate-limited rejection logs, status parsing, registry parsing, the CLI. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { Counter, Gauge, Histogram, MetricRegistry } from '../src/ops/prometheus.js';
import { RejectionLog } from '../src/pipeline/rejection.js';
import { parseStatus, Presence } from '../src/ingress/presence.js';
import { parseMeterList } from '../src/registry/registry.js';
import { memoryLogger } from './helpers/fixture.js';
import { runCli } from './helpers/child-gateway.js';

t.test('Prometheus text format 0.0.4', async (t) => {
  const registry = new MetricRegistry();
  const counter = registry.register(new Counter('x_total', 'Things.'));
  counter.inc({ reason: 'bad "quoted"\\ \n' });
  counter.inc({ reason: 'ok' }, 2);
  registry.register(new Gauge('g', 'A gauge.', () => 7));
  const h = registry.register(new Histogram('h_seconds', 'Latency.', [0.1, 1]));
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  t.equal(
    registry.render(),
    [
      '# HELP x_total Things.',
      '# TYPE x_total counter',
      'x_total{reason="bad \\"quoted\\"\\\\ \\n"} 1',
      'x_total{reason="ok"} 2',
      '# HELP g A gauge.',
      '# TYPE g gauge',
      'g 7',
      '# HELP h_seconds Latency.',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{le="0.1"} 1',
      'h_seconds_bucket{le="1"} 2',
      'h_seconds_bucket{le="+Inf"} 3',
      'h_seconds_sum 5.55',
      'h_seconds_count 3',
      '',
    ].join('\n'),
  );
  t.throws(() => registry.register(new Gauge('g', 'again')), RangeError);
  t.throws(() => new Histogram('bad', 'x', [1, 1]), RangeError);
});

t.test('rejections: counted every time, logged once per meter and reason per window', async (t) => {
  const counter = new Counter('r_total', 'r');
  const { logger, lines } = memoryLogger();
  let now = 0;
  const log = new RejectionLog({ counter, logger, windowMs: 60_000, maxKeys: 2, now: () => now });
  for (let i = 0; i < 5; i++) log.reject('bad_cbor', 'aaaaaaaaaaaaaaaa', 'garbage');
  log.reject('bad_cbor', 'bbbbbbbbbbbbbbbb', 'garbage');
  log.reject('bad_signature', 'aaaaaaaaaaaaaaaa', 'forged');
  t.equal(counter.get({ reason: 'bad_cbor' }), 6);
  t.equal(lines.length, 3, 'one line per (meter, reason)');
  t.match(lines[0], { meter: 'aaaaaaaaaaaaaaaa', reason: 'bad_cbor', suppressed: 0, msg: 'rejected: garbage', level: 40 });
  now = 60_000;
  log.reject('bad_cbor', 'aaaaaaaaaaaaaaaa', 'garbage');
  t.equal(lines.length, 4, 'logged again after the window');
  log.reject('duplicate', 'aaaaaaaaaaaaaaaa', 'dup');
  t.equal(lines[4]?.['level'], 20, 'duplicates log at debug');
});

t.test('status payloads', async (t) => {
  t.same(parseStatus(Buffer.from('{"state":"online","fw":"1.2"}')), { state: 'online', fw: '1.2' });
  t.same(parseStatus(Buffer.from('offline')), { state: 'offline' });
  for (const bad of ['', '{"state":"asleep"}', '[1]', 'null', '{', 'x'.repeat(2000)]) t.equal(parseStatus(Buffer.from(bad)), undefined, JSON.stringify(bad.slice(0, 20)));
  const presence = new Presence();
  presence.update('a', Buffer.from('{"state":"online"}'));
  presence.update('b', Buffer.from('{"state":"online"}'));
  presence.update('a', Buffer.from('offline'));
  presence.update('b', Buffer.from('garbage'));
  t.equal(presence.count, 1);
  t.ok(presence.isOnline('b'));
});

t.test('registry entries from the ledger', async (t) => {
  const key = nodeEd25519.signer(randomBytes(32)).publicKey;
  const { meterIdFromPublicKey } = await import('@wattledger/protocol');
  const id = meterIdFromPublicKey(key);
  const good = { id, publicKey: toHex(key), role: 'producer', intermediary: 'i', productionMethod: 'solar', ratedPowerW: 5000, lastSeq: 4, lastReadingHash: 'ab'.repeat(32) };
  const parsed = parseMeterList({ meters: [good, { ...good, lastSeq: -1, lastReadingHash: null }, { ...good, id: 'ffffffffffffffff' }, { ...good, role: 'battery' }, { ...good, productionMethod: 'perpetual' }, 5] });
  t.equal(parsed.meters.length, 2);
  t.equal(parsed.meters[0]?.productionMethod, 1, 'method by name');
  t.equal(parsed.meters[0]?.lastSeq, 4);
  t.equal(parsed.meters[1]?.lastSeq, undefined, 'lastSeq -1 means no reading yet');
  t.equal(parsed.problems.length, 4);
  t.match(parsed.problems.join('\n'), /not derived from its publicKey/);
  t.same(parseMeterList('nope').meters, []);
});

t.test('CLI: usage, config errors in one line, credential, mosquitto ACL, DLMS delegation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const usage = runCli([]);
  t.equal(usage.status, 2);
  t.match(usage.stdout, /wattledger-gateway start --config FILE/);
  t.equal(runCli(['frobnicate']).status, 2);
  t.match(runCli(['start']).stderr, /--config FILE is required/);

  writeFileSync(join(dir, 'bad.yaml'), 'dataDir: ./data\nidentity:\n  key: 1234\n  intermediaryId: 0123456789abcdef\nledger:\n  url: http://127.0.0.1:1\n');
  const bad = runCli(['start', '--config', join(dir, 'bad.yaml')]);
  t.equal(bad.status, 2, 'a config error exits with 2');
  t.equal(bad.stderr.trim().split('\n').length, 1, 'in one line');
  t.match(bad.stderr, /^wattledger-gateway: config identity.key: expected 64 hex digits in quotes/);

  writeFileSync(join(dir, 'ok.yaml'), `dataDir: ./data\nidentity:\n  key: "${'11'.repeat(32)}"\n  intermediaryId: 0123456789abcdef\nledger:\n  url: http://127.0.0.1:1\n`);
  const checked = runCli(['check-config', '--config', join(dir, 'ok.yaml')]);
  t.equal(checked.status, 0);
  t.equal(JSON.parse(checked.stdout).dataDir, join(dir, 'data'), 'paths resolved against the config file');
  const credential = runCli(['credential', '--config', join(dir, 'ok.yaml'), '--meter', '0123456789abcdef']);
  t.equal(credential.status, 0);
  t.match(credential.stdout.trim(), /^[A-Za-z0-9_-]{43}$/, 'a 256-bit token, base64url');
  t.match(runCli(['credential', '--config', join(dir, 'ok.yaml'), '--meter', 'nope']).stderr, /invalid meter id/);

  const acl = runCli(['mosquitto-acl', '--gateway-user', 'gw']);
  t.match(acl.stdout, /pattern write wl\/v1\/meters\/%u\/readings/);
  t.match(acl.stdout, /user gw\ntopic read wl\/v1\/meters\/\+\/readings/);

  const dlms = runCli(['dlms', '--help']);
  t.match(dlms.stdout + dlms.stderr, /usage: wattledger-gateway dlms/, 'delegated to the DLMS bridge');
});
