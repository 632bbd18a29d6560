/**
 * The `pairing` section of the gateway configuration (absent = no registrar):
 *
 *   pairing:
 *     host: 0.0.0.0            # default 127.0.0.1
 *     port: 8443               # default 8443; 0 picks a free port
 *     tls: { certFile: registrar.crt, keyFile: registrar.key }   # HTTPS; omit only on a test bench
 *     brokerUrl: mqtts://gw1.example:8883   # told to meters; default: the embedded broker's URL
 *     intervalLength: 1800     # the ledger's interval, s (default 1800)
 *     enrollmentTtlS: 2700     # an enrollment not registered in time is dropped (default 45 min)
 */
import { ConfigError } from '../errors.js';
import type { FieldReader } from '../config/fields.js';

export interface PairingConfig {
  readonly host: string;
  readonly port: number;
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly brokerUrl: string | undefined;
  readonly intervalLength: number;
  readonly enrollmentTtlS: number;
}

export function parsePairingConfig(r: FieldReader | undefined): PairingConfig | undefined {
  if (r === undefined) return undefined;
  const tls = r.optionalSection('tls');
  const config: PairingConfig = {
    host: r.string('host', '127.0.0.1'),
    port: r.int('port', 0, 65535, 8443),
    tls: tls && { certFile: tls.string('certFile'), keyFile: tls.string('keyFile') },
    brokerUrl: r.has('brokerUrl') ? r.url('brokerUrl', ['mqtt', 'mqtts']) : r.optionalString('brokerUrl'),
    intervalLength: r.int('intervalLength', 60, 86_400, 1800),
    enrollmentTtlS: r.int('enrollmentTtlS', 60, 86_400, 2700),
  };
  tls?.done();
  r.done();
  if (86_400 % config.intervalLength !== 0) throw new ConfigError(`${r.path}.intervalLength`, `must divide a day (e.g. 900, 1800, 3600), got ${config.intervalLength}`);
  if (config.brokerUrl !== undefined && !/^mqtts?:\/\/[A-Za-z0-9.\-[\]:]+(:\d{1,5})?$/.test(config.brokerUrl)) {
    throw new ConfigError(`${r.path}.brokerUrl`, `meters take mqtt://host:port or mqtts://host:port, got ${JSON.stringify(config.brokerUrl)}`);
  }
  return config;
}
