import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '@wattledger/protocol';
import { runDlmsCommand, type CliIo } from '../src/dlms/cli.js';
import { startTcpMeterSimulator } from '../src/dlms/simulator/tcp-simulator.js';

const NOW = 1719835200;
const KEYS = { encryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'), authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf') };

function capture(progress = false): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, progress, out: () => out, err: () => err };
}

t.test('dlms read / profile / objects against the simulator', async (t) => {
  const sim = await startTcpMeterSimulator({ framing: 'wrapper', meter: { now: () => NOW, profileStart: NOW - 86400, keys: KEYS, maxPduSize: 256 } });
  t.teardown(() => sim.close());
  const host = ['--host', `${sim.host}:${sim.port}`, '--wrapper'];

  const read = capture();
  t.equal(await runDlmsCommand(['read', ...host, '--obis', '1-0:1.8.0*255'], read), 0);
  t.match(read.out(), /^1\.0\.1\.8\.0\.255 register attribute 2: \d+(\.\d)? Wh\n$/, 'scaled with the register\'s scaler_unit');

  const json = capture();
  t.equal(await runDlmsCommand(['read', ...host, '--obis', '0.0.1.0.0.255', '--format', 'json'], json), 0);
  t.same(JSON.parse(json.out()), { obis: '0.0.1.0.0.255', classId: 8, attribute: 2, value: '2024-07-01T12:00:00Z' });

  const hls = capture();
  const auth = ['--client', '48', '--auth', 'hls-gmac', '--system-title', '4d4d4d0000000001', '--ek', '000102030405060708090a0b0c0d0e0f', '--ak', 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf'];
  t.equal(await runDlmsCommand(['objects', ...host, ...auth], hls), 0);
  t.match(hls.out(), /1\.0\.99\.1\.0\.255 +profile-generic +class 7/);
  t.equal(hls.out().trim().split('\n').length, 8);

  const csv = capture(true);
  t.equal(await runDlmsCommand(['profile', ...host, '--from', '2024-06-30T12:00:00Z', '--to', '2024-07-01T11:45:00Z'], csv), 0);
  const lines = csv.out().trim().split('\n');
  t.equal(lines[0], '0.0.1.0.0.255:2,1.0.1.8.0.255:2 [Wh],1.0.2.8.0.255:2 [Wh]');
  t.equal(lines.length, 97, 'header and 96 entries');
  t.match(lines[1], /^2024-06-30T12:00:00\.000Z,\d+(\.\d)?,\d+$/);
  t.match(csv.err(), /\[#+\.*\] +\d+% .*block/, 'progress bar drawn while blocks arrive');
  t.match(csv.err(), /100% 96 entries *\n$/);

  const dir = mkdtempSync(join(tmpdir(), 'dlms-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'profile.json');
  const toFile = capture();
  t.equal(await runDlmsCommand(['profile', ...host, '--entries', '1:4', '--format', 'json', '--output', file], toFile), 0);
  const written = JSON.parse(readFileSync(file, 'utf8'));
  t.equal(written.capturePeriod, 900);
  t.equal(written.rows.length, 4);
  t.match(toFile.err(), /wrote 4 entries/);
});

t.test('errors name the failing layer and the meter\'s reason; usage errors exit 2', async (t) => {
  const sim = await startTcpMeterSimulator({ framing: 'hdlc', meter: { now: () => NOW, password: 'right' } });
  t.teardown(() => sim.close());
  const host = ['--host', `${sim.host}:${sim.port}`];

  const denied = capture();
  t.equal(await runDlmsCommand(['read', ...host, '--obis', '1.0.1.8.0.255', '--client', '32', '--auth', 'lls', '--password', 'wrong'], denied), 1);
  t.match(denied.err(), /^dlms read: ASSOCIATION layer failed \[DLMS_ASSOCIATION_AUTHENTICATION\]: .*\(meter's reason: authentication-failure\)\n$/);

  const missing = capture();
  t.equal(await runDlmsCommand(['read', ...host, '--obis', '1.0.31.7.0.255'], missing), 1);
  t.match(missing.err(), /ACCESS layer failed \[DLMS_ACCESS_FAILED\].*meter's reason: object-undefined/);

  const silent = await startTcpMeterSimulator({ framing: 'hdlc', meter: { silent: true } });
  t.teardown(() => silent.close());
  const timeout = capture();
  t.equal(await runDlmsCommand(['objects', '--host', `${silent.host}:${silent.port}`, '--timeout', '50', '--retries', '0'], timeout), 1);
  t.match(timeout.err(), /HDLC layer failed \[DLMS_HDLC_TIMEOUT\]/);

  for (const args of [['read', ...host], ['read', '--obis', '1.0.1.8.0.255'], ['read', ...host, '--obis', 'x'], ['profile', ...host], ['bogus'], ['read', ...host, '--obis', '1.0.1.8.0.255', '--auth', 'hls-gmac'], ['read', '--port', '/dev/x', ...host, '--obis', '1.0.1.8.0.255'], ['read', ...host, '--nope']]) {
    const io = capture();
    t.equal(await runDlmsCommand(args, io), 2, args.join(' '));
    t.match(io.err(), /^dlms: .+\nusage:/);
  }
  const help = capture();
  t.equal(await runDlmsCommand(['--help'], help), 0);
  t.match(help.out(), /^usage: wattledger-gateway dlms/);
});
