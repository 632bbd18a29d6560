/**
 * The `dlms` section of the gateway configuration (issue #6 item 2; absent = no DLMS bridge):
 * the legacy meters the gateway polls, read and attested with its own key.
 *
 *   dlms:
 *     pollIntervalS: 900       # poll every this many seconds, aligned to UTC (default 900)
 *     graceS: 120              # after an interval's end, before polling it (default 120)
 *     meters:
 *       - name: feeder-7                    # unique label (cursor key, metrics label)
 *         meterId: "4c45474143590001"       # as registered on the ledger with attestedBy = this gateway
 *         tcp: { host: 10.0.0.7, port: 4059, framing: hdlc }   # or serial: { path: /dev/ttyUSB0, baudRate: 9600, modeE: false }
 *         client: 16                        # client SAP (default 16, public client)
 *         association:
 *           authentication: hls-gmac        # none | lls | hls-gmac
 *           security: { systemTitle: "...16 hex...", encryptionKey: "...32 hex...", authenticationKey: "...32 hex..." }
 *
 * Values stay plain (hex strings) so that `check-config` can print them; `toPollerMeter` turns
 * one into the poller's DlmsMeterConfig.
 */
import { fromHex, NO_PRODUCTION_METHOD, productionMethodByName } from '@wattledger/protocol';
import { normalizeObis } from '@wattledger/protocol/dlms';
import type { DlmsMeterConfig } from '../dlms/poller.js';
import { ConfigError } from '../errors.js';
import type { FieldReader } from './fields.js';

export type DlmsAuthentication = 'none' | 'lls' | 'hls-gmac';

export interface DlmsSecurityConfig {
  /** Client system title, 16 hex digits. */
  readonly systemTitle: string;
  /** Global unicast encryption key (EK), 32 hex digits. */
  readonly encryptionKey: string;
  /** Authentication key (AK), 32 hex digits. */
  readonly authenticationKey: string;
  readonly securityControl: number;
  readonly ciphering: 'service-specific' | 'general';
  /** false: keys serve HLS-GMAC only, APDUs travel plain. */
  readonly cipherApdus: boolean;
  /** First invocation counter ever used with this meter; later ones come from the saved cursor. */
  readonly invocationCounter: number;
}

export interface DlmsMeterEntry {
  readonly name: string;
  readonly meterId: string;
  readonly tcp: { readonly host: string; readonly port: number; readonly framing: 'hdlc' | 'wrapper' } | undefined;
  readonly serial: { readonly path: string; readonly baudRate: number; readonly modeE: boolean } | undefined;
  readonly client: number;
  readonly logicalDevice: number;
  readonly physicalDevice: number | undefined;
  readonly addressSize: 1 | 2 | 4 | undefined;
  readonly responseTimeoutMs: number | undefined;
  readonly maxRetries: number | undefined;
  readonly profile: string;
  /** null: the profile captures no such register. */
  readonly importRegister: string | null;
  readonly exportRegister: string | null;
  readonly productionMethod: number;
  readonly backfillS: number;
  readonly association: {
    readonly authentication: DlmsAuthentication;
    readonly password: string | undefined;
    readonly security: DlmsSecurityConfig | undefined;
  };
}

export interface DlmsConfig {
  readonly pollIntervalS: number;
  readonly graceS: number;
  readonly meters: readonly DlmsMeterEntry[];
}

export function parseDlmsConfig(r: FieldReader | undefined): DlmsConfig | undefined {
  if (r === undefined) return undefined;
  const items = r.list('meters');
  const config: DlmsConfig = {
    pollIntervalS: r.int('pollIntervalS', 60, 86_400, 900),
    graceS: r.int('graceS', 0, 3_600, 120),
    meters: items.map(parseMeter),
  };
  r.done();
  if (config.meters.length === 0) throw new ConfigError(`${r.path}.meters`, 'list at least one meter (or remove the dlms section)');
  if (86_400 % config.pollIntervalS !== 0) throw new ConfigError(`${r.path}.pollIntervalS`, `must divide a day (e.g. 900, 1800, 3600), got ${config.pollIntervalS}`);
  const names = new Map<string, number>();
  const ids = new Map<string, number>();
  config.meters.forEach((m, i) => {
    if (names.has(m.name)) throw new ConfigError(`${r.path}.meters[${i}].name`, `"${m.name}" is already used by meters[${names.get(m.name)}]`);
    if (ids.has(m.meterId)) throw new ConfigError(`${r.path}.meters[${i}].meterId`, `${m.meterId} is already used by meters[${ids.get(m.meterId)}]`);
    names.set(m.name, i);
    ids.set(m.meterId, i);
  });
  return config;
}

function obis(r: FieldReader, key: string, fallback: string): string {
  const text = r.string(key, fallback);
  try {
    return normalizeObis(text);
  } catch {
    throw new ConfigError(`${r.path}.${key}`, `expected an OBIS code such as ${fallback}, got ${JSON.stringify(text)}`);
  }
}

/** A register column, or "none" when the profile does not capture it. */
function register(r: FieldReader, key: string, fallback: string): string | null {
  return r.has(key) && r.string(key) === 'none' ? null : obis(r, key, fallback);
}

function method(r: FieldReader): number {
  if (!r.has('productionMethod')) {
    r.optionalString('productionMethod');
    return NO_PRODUCTION_METHOD;
  }
  if (r.isNumber('productionMethod')) return r.int('productionMethod', 1, 11);
  const name = r.string('productionMethod');
  const known = productionMethodByName(name);
  if (known === undefined) throw new ConfigError(`${r.path}.productionMethod`, `expected a production method name (solar, wind, ...) or code 1..11, got ${JSON.stringify(name)}`);
  return known.code;
}

function parseMeter(r: FieldReader, index: number): DlmsMeterEntry {
  const tcpSection = r.optionalSection('tcp');
  const serialSection = r.optionalSection('serial');
  if ((tcpSection === undefined) === (serialSection === undefined)) throw new ConfigError(`${r.path}.tcp`, 'give exactly one of tcp: { host, port } or serial: { path }');
  const tcp = tcpSection && {
    host: tcpSection.string('host'),
    port: tcpSection.int('port', 1, 65535, 4059),
    framing: tcpSection.oneOf<'hdlc' | 'wrapper'>('framing', ['hdlc', 'wrapper'], 'hdlc'),
  };
  tcpSection?.done();
  const serial = serialSection && {
    path: serialSection.string('path'),
    baudRate: serialSection.int('baudRate', 300, 115_200, 9600),
    modeE: serialSection.boolean('modeE', false),
  };
  serialSection?.done();
  const a = r.section('association');
  const s = a.optionalSection('security');
  const security: DlmsSecurityConfig | undefined = s && {
    systemTitle: s.hex('systemTitle', 8),
    encryptionKey: s.hex('encryptionKey', 16),
    authenticationKey: s.hex('authenticationKey', 16),
    securityControl: s.int('securityControl', 0, 0xff, 0x30),
    ciphering: s.oneOf<'service-specific' | 'general'>('ciphering', ['service-specific', 'general'], 'service-specific'),
    cipherApdus: s.boolean('cipherApdus', true),
    invocationCounter: s.int('invocationCounter', 0, 0xffff_ffff, 1),
  };
  s?.done();
  const association = {
    authentication: a.oneOf<DlmsAuthentication>('authentication', ['none', 'lls', 'hls-gmac'], 'none'),
    password: a.optionalString('password'),
    security,
  };
  a.done();
  if (association.authentication === 'lls' && association.password === undefined) throw new ConfigError(`${a.path}.password`, 'is required with authentication: lls');
  if (association.authentication === 'hls-gmac' && security === undefined) throw new ConfigError(`${a.path}.security`, 'is required with authentication: hls-gmac (systemTitle, encryptionKey, authenticationKey)');
  const addressSize = r.optionalInt('addressSize', 1, 4);
  if (addressSize === 3) throw new ConfigError(`${r.path}.addressSize`, 'expected 1, 2 or 4');
  const entry: DlmsMeterEntry = {
    name: nameOf(r, index),
    meterId: r.hex('meterId', 8),
    tcp,
    serial,
    client: r.int('client', 1, 0xffff, 16),
    logicalDevice: r.int('logicalDevice', 0, 0x3fff, 1),
    physicalDevice: r.optionalInt('physicalDevice', 0, 0x3fff),
    addressSize: addressSize as 1 | 2 | 4 | undefined,
    responseTimeoutMs: r.optionalInt('responseTimeoutMs', 50, 600_000),
    maxRetries: r.optionalInt('maxRetries', 0, 100),
    profile: obis(r, 'profile', '1.0.99.1.0.255'),
    importRegister: register(r, 'importRegister', '1.0.1.8.0.255'),
    exportRegister: register(r, 'exportRegister', '1.0.2.8.0.255'),
    productionMethod: method(r),
    backfillS: r.int('backfillS', 0, 366 * 86_400, 86_400),
    association,
  };
  r.done();
  return entry;
}

function nameOf(r: FieldReader, index: number): string {
  const name = r.string('name', `meter-${index + 1}`);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError(`${r.path}.name`, `expected 1..64 of A-Z a-z 0-9 _ . -, got ${JSON.stringify(name)}`);
  return name;
}

/** The poller's view of a configured meter (keys decoded). */
export function toPollerMeter(m: DlmsMeterEntry): DlmsMeterConfig {
  const s = m.association.security;
  return {
    name: m.name,
    meterId: m.meterId,
    ...(m.tcp ? { tcp: m.tcp } : {}),
    ...(m.serial ? { serial: { path: m.serial.path, baudRate: m.serial.baudRate, modeE: m.serial.modeE } } : {}),
    client: m.client,
    logicalDevice: m.logicalDevice,
    ...(m.physicalDevice !== undefined ? { physicalDevice: m.physicalDevice } : {}),
    ...(m.addressSize !== undefined ? { addressSize: m.addressSize } : {}),
    ...(m.responseTimeoutMs !== undefined ? { responseTimeoutMs: m.responseTimeoutMs } : {}),
    ...(m.maxRetries !== undefined ? { maxRetries: m.maxRetries } : {}),
    profile: m.profile,
    importRegister: m.importRegister,
    exportRegister: m.exportRegister,
    productionMethod: m.productionMethod,
    backfillS: m.backfillS,
    association: {
      authentication: m.association.authentication,
      ...(m.association.password !== undefined ? { password: m.association.password } : {}),
      ...(s
        ? {
            security: {
              systemTitle: fromHex(s.systemTitle),
              keys: { encryptionKey: fromHex(s.encryptionKey), authenticationKey: fromHex(s.authenticationKey) },
              securityControl: s.securityControl,
              ciphering: s.ciphering,
              cipherApdus: s.cipherApdus,
              invocationCounter: s.invocationCounter,
            },
          }
        : {}),
    },
  };
}
