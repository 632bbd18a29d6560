/**
 * Reads a configuration file (YAML, or JSON when the name ends in .json), validates it and
 * resolves relative paths against the file's folder. Every failure is one ConfigError line.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { parseConfig, type GatewayConfig } from './schema.js';

export function loadConfigFile(file: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError('(file)', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    const why = (cause as Error).message.split('\n')[0];
    throw new ConfigError('(file)', `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${why}`, { cause });
  }
  return resolvePaths(parseConfig(raw), dirname(resolve(file)));
}

/** Makes every file path of the config absolute, relative to `baseDir`. */
export function resolvePaths(config: GatewayConfig, baseDir: string): GatewayConfig {
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const opt = (path: string | undefined): string | undefined => (path === undefined ? undefined : at(path));
  const { identity, mqtt } = config;
  const { tls } = mqtt.embedded;
  return {
    ...config,
    dataDir: at(config.dataDir),
    identity: { ...identity, keyFile: opt(identity.keyFile), intermediaryKeyFile: opt(identity.intermediaryKeyFile) },
    mqtt: {
      ...mqtt,
      embedded: { ...mqtt.embedded, tls: tls && { ...tls, certFile: at(tls.certFile), keyFile: at(tls.keyFile) } },
      external: mqtt.external && { ...mqtt.external, passwordFile: opt(mqtt.external.passwordFile), caFile: opt(mqtt.external.caFile) },
    },
    pairing: config.pairing && { ...config.pairing, tls: config.pairing.tls && { certFile: at(config.pairing.tls.certFile), keyFile: at(config.pairing.tls.keyFile) } },
  };
}
