/** The simulator CLI (bin wattledger-meter) against a real broker: progress output, readings, clean Ctrl-C. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { decodeSignedReadings, parseMeterTopic } from '@wattledger/protocol';
import { disposeBroker, startAedes } from './support/brokers.js';
import { connectObserver } from './support/mqtt-observer.js';

const bin = fileURLToPath(new URL('../bin/wattledger-meter.js', import.meta.url));

t.test('simulate: three meters at speed 3600, stopped with Ctrl-C', async (t) => {
  const broker = await startAedes();
  const data = mkdtempSync(join(tmpdir(), 'wl-cli-'));
  t.teardown(async () => {
    await disposeBroker(broker);
    rmSync(data, { recursive: true, force: true });
  });
  const observer = await connectObserver(broker.url, ['wl/v1/meters/+/readings', 'wl/v1/meters/+/status']);
  t.teardown(() => observer.close());
  const child = spawn(process.execPath, [bin, 'simulate', '--count', '3', '--role', 'producer:solar', '--role', 'consumer', '--broker', broker.url, '--speed', '3600', '--data', data, '--start', '2026-06-21T06:00:00Z', '--source', 'constant:2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readings = () => observer.received.filter((m) => m.topic.endsWith('/readings')).flatMap((m) => decodeSignedReadings(m.payload).readings);
  for (let i = 0; i < 300 && (readings().length < 6 || !stdout.includes('online 3/3')); i++) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGINT');
  const code = await exited;
  t.equal(code, 0, `exits cleanly on Ctrl-C ${stderr}`);
  t.match(stdout, /meter 0 [0-9a-f]{16} producer:solar key [0-9a-f]{64}/);
  t.match(stdout, /meter 1 [0-9a-f]{16} consumer key/);
  t.match(stdout, /2026-06-21 \d\d:\d\dZ {2}online 3\/3 {2}sealed \d+/, 'prints progress');
  t.match(stdout, /stopped cleanly/);
  const ids = new Set(readings().map((r) => r.meterId));
  t.equal(ids.size, 3, 'every meter published readings');
  for (let i = 0; i < 50 && observer.received.filter((m) => m.topic.endsWith('/status') && new TextDecoder().decode(m.payload) === 'offline').length < 3; i++) await new Promise((r) => setTimeout(r, 100));
  const offline = observer.received.filter((m) => m.topic.endsWith('/status') && new TextDecoder().decode(m.payload) === 'offline').map((m) => parseMeterTopic(m.topic).meterId);
  t.same(new Set(offline), ids, 'each meter said "offline" on the way out');
});

t.test('usage errors exit with status 2 and a one-line reason', async (t) => {
  const child = spawn(process.execPath, [bin, 'simulate', '--count', '2', '--role', 'producer:steam', '--data', '/tmp/x'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(code, 2);
  t.match(stderr, /wattledger-meter: --role producer:steam: unknown production method "steam"/);
});
