/** Configuration: defaults, one-line errors naming the field, YAML and JSON files, path resolution. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfigFile } from '../src/config/load.js';
import { parseConfig } from '../src/config/schema.js';
import { loadIdentity } from '../src/config/keys.js';
import { ConfigError } from '../src/errors.js';

const minimal = { dataDir: './data', identity: { keyFile: './gateway.key', intermediaryId: '0123456789abcdef' }, ledger: { url: 'http://127.0.0.1:8700' } };

t.test('a minimal config gets the documented defaults', async (t) => {
  const config = parseConfig(minimal);
  t.equal(config.mqtt.mode, 'embedded');
  t.same(config.mqtt.embedded, { host: '127.0.0.1', port: 1883, tls: undefined, websocket: undefined });
  t.equal(config.mqtt.ackQos, 1);
  t.equal(config.pipeline.verifyWorkers, 0, 'one worker per core');
  t.same(config.http, { host: '127.0.0.1', port: 9100 });
  t.equal(config.ledger.closeIntervals, true);
  t.equal(config.log.level, 'info');
});

t.test('errors name the field, in one line', async (t) => {
  const cases: Array<[unknown, string, RegExp]> = [
    [{ ...minimal, dataDir: undefined }, 'dataDir', /is required/],
    [{ ...minimal, mqtt: { embedded: { port: 'abc' } } }, 'mqtt.embedded.port', /integer 0\.\.65535, got "abc"/],
    [{ ...minimal, mqtt: { embedded: { port: 70000 } } }, 'mqtt.embedded.port', /70000/],
    [{ ...minimal, mqtt: { mode: 'cloud' } }, 'mqtt.mode', /one of embedded, external/],
    [{ ...minimal, mqtt: { mode: 'external' } }, 'mqtt.external', /required when mqtt.mode is external/],
    [{ ...minimal, mqtt: { mode: 'external', external: { url: 'http://x' } } }, 'mqtt.external.url', /mqtt/],
    [{ ...minimal, mqtt: { external: { url: 'mqtt://x', group: 'a/b' } } }, 'mqtt.external.group', /A-Z/],
    [{ ...minimal, mqtt: { maxPayloadBytes: 10_000_000 } }, 'mqtt.maxPayloadBytes', /250000/],
    [{ ...minimal, mqtt: { embedded: { tls: { port: 8883 } } } }, 'mqtt.embedded.tls.certFile', /is required/],
    [{ ...minimal, identity: { intermediaryId: '0123456789abcdef' } }, 'identity.keyFile', /exactly one of keyFile/],
    [{ ...minimal, identity: { ...minimal.identity, intermediaryId: 'xyz' } }, 'identity.intermediaryId', /16 hex digits/],
    [{ ...minimal, ledger: { url: 'ftp://x' } }, 'ledger.url', /http or https/],
    [{ ...minimal, ledger: {} }, 'ledger.url', /is required/],
    [{ ...minimal, pipeline: { verifyWorkrs: 2 } }, 'pipeline.verifyWorkrs', /unknown field/],
    [{ ...minimal, extra: 1 }, 'extra', /unknown field/],
    [{ ...minimal, log: { level: 'loud' } }, 'log.level', /one of fatal/],
    [{ ...minimal, ledger: { url: 'http://x', closeIntervals: 'yes' } }, 'ledger.closeIntervals', /true or false/],
    [[1, 2], '(root)', /mapping/],
  ];
  for (const [raw, field, message] of cases) {
    const error = t.throws(() => parseConfig(raw)) as ConfigError;
    t.type(error, ConfigError, `${field}: ConfigError`);
    t.equal(error.field, field, `names ${field}`);
    t.match(error.message, message, error.message);
    t.match(error.message, new RegExp(`^config ${field.replace(/[.()]/g, '\\$&')}: `), 'starts with the field');
    t.notMatch(error.message, /\n/, 'one line');
    t.equal(error.code, 'BAD_CONFIG');
  }
});

t.test('http: false disables the operations endpoint', async (t) => {
  t.equal(parseConfig({ ...minimal, http: false }).http, undefined);
});

t.test('YAML and JSON files; relative paths resolve against the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'gateway.key'), `${'ab'.repeat(32)}\n`);
  writeFileSync(join(dir, 'gateway.yaml'), 'dataDir: ./data\nidentity:\n  keyFile: gateway.key\n  intermediaryId: 0123456789abcdef\nledger:\n  url: http://127.0.0.1:8700\n');
  const fromYaml = loadConfigFile(join(dir, 'gateway.yaml'));
  t.equal(fromYaml.dataDir, join(dir, 'data'));
  t.equal(fromYaml.identity.keyFile, join(dir, 'gateway.key'));
  t.equal(loadIdentity(fromYaml.identity).gateway.publicKey.length, 32, 'key file read');
  writeFileSync(join(dir, 'gateway.json'), JSON.stringify(minimal));
  t.equal(loadConfigFile(join(dir, 'gateway.json')).identity.keyFile, join(dir, 'gateway.key'));
  writeFileSync(join(dir, 'bad.yaml'), 'dataDir: [unclosed\n');
  t.throws(() => loadConfigFile(join(dir, 'bad.yaml')), { code: 'BAD_CONFIG', message: /not valid YAML/ });
  writeFileSync(join(dir, 'bad.json'), '{"dataDir": ');
  t.throws(() => loadConfigFile(join(dir, 'bad.json')), { message: /not valid JSON/ });
  t.throws(() => loadConfigFile(join(dir, 'missing.yaml')), { message: /cannot read/ });
  writeFileSync(join(dir, 'short.key'), 'abcd');
  t.throws(() => loadIdentity({ ...fromYaml.identity, keyFile: join(dir, 'short.key') }), { message: /32-byte Ed25519 seed/ });
  t.throws(() => loadIdentity({ ...fromYaml.identity, intermediaryKey: 'cd'.repeat(32) }), { message: /belongs to party/ }, 'an intermediary key must match intermediaryId');
});

t.test('gateway.example.yaml is a valid configuration', async (t) => {
  const config = loadConfigFile(new URL('../gateway.example.yaml', import.meta.url).pathname);
  t.equal(config.mqtt.mode, 'embedded');
  t.equal(config.identity.intermediaryId, '0123456789abcdef');
});
