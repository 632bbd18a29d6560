/** The `dlms` section of the gateway configuration: defaults, one-line errors naming the field, and the poller's view. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { toPollerMeter } from '../src/config/dlms-config.js';
import { loadConfigFile } from '../src/config/load.js';
import { parseConfig } from '../src/config/schema.js';
import { ConfigError } from '../src/errors.js';

const base = {
  dataDir: './data',
  identity: { key: '11'.repeat(32), intermediaryId: '0123456789abcdef' },
  ledger: { url: 'http://127.0.0.1:8700' },
};
const tcpMeter = { name: 'feeder-7', meterId: '4c45474143590001', tcp: { host: '10.0.0.7' } };
const withDlms = (dlms: unknown) => parseConfig({ ...base, dlms });

t.test('defaults', async (t) => {
  t.equal(parseConfig(base).dlms, undefined, 'absent: no bridge');
  const dlms = withDlms({ meters: [tcpMeter] }).dlms!;
  t.equal(dlms.pollIntervalS, 900);
  t.equal(dlms.graceS, 120);
  t.match(dlms.meters[0], {
    name: 'feeder-7', meterId: '4c45474143590001', tcp: { host: '10.0.0.7', port: 4059, framing: 'hdlc' }, serial: undefined, client: 16, logicalDevice: 1,
    profile: '1.0.99.1.0.255', importRegister: '1.0.1.8.0.255', exportRegister: '1.0.2.8.0.255', productionMethod: 0, backfillS: 86_400,
    association: { authentication: 'none', password: undefined, security: undefined },
  });
  const serial = withDlms({ meters: [{ meterId: '4C45474143590002', serial: { path: '/dev/ttyUSB0', modeE: true }, productionMethod: 'wind', exportRegister: 'none' }] }).dlms!.meters[0]!;
  t.equal(serial.name, 'meter-1', 'a name by position when none is given');
  t.equal(serial.meterId, '4c45474143590002', 'hex lower-cased');
  t.same(serial.serial, { path: '/dev/ttyUSB0', baudRate: 9600, modeE: true });
  t.equal(serial.productionMethod, 2, 'production method by name');
  t.equal(serial.exportRegister, null, '"none": the profile has no such column');
  t.equal(withDlms({ meters: [{ ...tcpMeter, productionMethod: 1 }] }).dlms!.meters[0]!.productionMethod, 1, 'or by code');
});

t.test('the poller gets decoded keys', async (t) => {
  const security = { systemTitle: '4d4d4d0000000001', encryptionKey: '000102030405060708090a0b0c0d0e0f', authenticationKey: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf', invocationCounter: 7 };
  const entry = withDlms({ meters: [{ ...tcpMeter, client: 48, association: { authentication: 'hls-gmac', security } }] }).dlms!.meters[0]!;
  const meter = toPollerMeter(entry);
  t.same(meter.tcp, { host: '10.0.0.7', port: 4059, framing: 'hdlc' });
  t.equal(meter.association?.authentication, 'hls-gmac');
  t.same([...meter.association!.security!.systemTitle], [0x4d, 0x4d, 0x4d, 0, 0, 0, 0, 1]);
  t.equal(meter.association!.security!.keys.encryptionKey.length, 16);
  t.equal(meter.association!.security!.invocationCounter, 7);
  t.equal(meter.association!.security!.securityControl, 0x30);
});

t.test('errors are one line naming the field', async (t) => {
  const cases: Array<[unknown, string, RegExp]> = [
    [{ meters: [] }, 'dlms.meters', /at least one meter/],
    [{ meters: 'x' }, 'dlms.meters', /expected a list/],
    [{ meters: [{ ...tcpMeter, meterId: 'xyz' }] }, 'dlms.meters[0].meterId', /16 hex digits/],
    [{ meters: [{ ...tcpMeter, meterId: 1234 }] }, 'dlms.meters[0].meterId', /in quotes/],
    [{ meters: [{ name: 'a', meterId: '4c45474143590001' }] }, 'dlms.meters[0].tcp', /exactly one of tcp/],
    [{ meters: [{ ...tcpMeter, serial: { path: '/dev/x' } }] }, 'dlms.meters[0].tcp', /exactly one of tcp/],
    [{ meters: [{ ...tcpMeter, tcp: { host: 'h', port: 70000 } }] }, 'dlms.meters[0].tcp.port', /1\.\.65535/],
    [{ meters: [{ ...tcpMeter, tcp: { host: 'h', framing: 'iec' } }] }, 'dlms.meters[0].tcp.framing', /hdlc, wrapper/],
    [{ meters: [{ ...tcpMeter, association: { authentication: 'hls-gmac' } }] }, 'dlms.meters[0].association.security', /required with authentication: hls-gmac/],
    [{ meters: [{ ...tcpMeter, association: { authentication: 'lls' } }] }, 'dlms.meters[0].association.password', /required/],
    [{ meters: [{ ...tcpMeter, association: { authentication: 'hls-gmac', security: { systemTitle: '00', encryptionKey: '00'.repeat(16), authenticationKey: '00'.repeat(16) } } }] }, 'dlms.meters[0].association.security.systemTitle', /16 hex digits/],
    [{ meters: [{ ...tcpMeter, profile: '1.0.99' }] }, 'dlms.meters[0].profile', /OBIS code/],
    [{ meters: [{ ...tcpMeter, productionMethod: 'sunshine' }] }, 'dlms.meters[0].productionMethod', /production method name/],
    [{ meters: [{ ...tcpMeter, productionMethod: 12 }] }, 'dlms.meters[0].productionMethod', /1\.\.11/],
    [{ meters: [{ ...tcpMeter, addressSize: 3 }] }, 'dlms.meters[0].addressSize', /1, 2 or 4/],
    [{ meters: [{ ...tcpMeter, name: 'has space' }] }, 'dlms.meters[0].name', /A-Z a-z/],
    [{ meters: [{ ...tcpMeter, colour: 'red' }] }, 'dlms.meters[0].colour', /unknown field/],
    [{ meters: [tcpMeter, { ...tcpMeter, meterId: '4c45474143590002' }] }, 'dlms.meters[1].name', /already used by meters\[0\]/],
    [{ meters: [tcpMeter, { ...tcpMeter, name: 'other' }] }, 'dlms.meters[1].meterId', /already used by meters\[0\]/],
    [{ meters: [tcpMeter], pollIntervalS: 700 }, 'dlms.pollIntervalS', /divide a day/],
    [{ meters: [tcpMeter], graceS: -1 }, 'dlms.graceS', /0\.\.3600/],
    [{ meters: [tcpMeter], poll: 1 }, 'dlms.poll', /unknown field/],
  ];
  for (const [dlms, field, message] of cases) {
    const error = t.throws(() => withDlms(dlms), `${field}: ${message}`) as ConfigError;
    t.equal(error.field, field);
    t.match(error.message, message);
    t.notOk(error.message.includes('\n'), 'one line');
  }
});

t.test('the example configuration documents the section and it loads', async (t) => {
  const example = readFileSync(new URL('../gateway.example.yaml', import.meta.url), 'utf8');
  t.match(example, /^# dlms:/m, 'the example shows the dlms section (commented out)');
  // Uncomment the block that starts at "# dlms:" and runs to the first line that is not a comment.
  const lines = example.split('\n');
  const from = lines.findIndex((l) => l.startsWith('# dlms:'));
  let to = from;
  while (to < lines.length && lines[to]!.startsWith('#')) to++;
  for (let i = from; i < to; i++) lines[i] = lines[i]!.slice(2);
  const uncommented = lines.join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'wl-dlms-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, uncommented);
  writeFileSync(join(dir, 'gateway.key'), '11'.repeat(32));
  const config = loadConfigFile(file);
  t.ok(config.dlms !== undefined && config.dlms.meters.length > 0, 'the uncommented example parses');
});
