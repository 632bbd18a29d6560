/**
 * `wattledger-gateway dlms <read|profile|objects|simulate>`: talk to a DLMS/COSEM meter over
 * TCP (HDLC or wrapper) or a serial port / optical probe. Exit 0 on success, 1 when the meter
 * or a layer failed (the message names the layer and the meter's reason), 2 on bad usage.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fromHex } from '@wattledger/protocol';
import {
  AccessError, AssociationError, attributeRef, CosemClass, cosemClassName, decodeScalerUnit, DlmsError, formatObis, knownObject,
  normalizeObis, type ScalerUnit,
} from '@wattledger/protocol/dlms';
import { withDlmsSession, type DlmsClientOptions } from './client.js';
import { csvField, scaled, toJson, toText } from './format.js';
import { formatBytes, ProgressBar, type TextSink } from './progress.js';
import type { Authentication } from './association.js';
import { startTcpMeterSimulator } from './simulator/tcp-simulator.js';
import { parseHostPort } from './tcp-transport.js';

export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  /** Draw the progress bar (default: when stderr is a terminal). */
  readonly progress?: boolean;
  /** Resolves when the simulator should stop (default: SIGINT/SIGTERM). */
  readonly untilStopped?: Promise<void>;
}

const USAGE = `usage: wattledger-gateway dlms <command> [options]

commands:
  read      --obis A.B.C.D.E.F [--class N] [--attribute N] [--format text|json]
  profile   [--obis 1.0.99.1.0.255] (--from ISO --to ISO | --entries FROM[:TO]) [--format csv|json] [--output FILE]
  objects   the current association's object list [--format text|json]
  simulate  [--listen HOST:PORT] [--wrapper]   run the simulated meter until Ctrl-C

connection:  --host HOST:PORT [--wrapper] | --port PATH [--baud N] [--mode-e]
             [--client SAP (16)] [--logical N (1)] [--physical N] [--timeout MS (3000)] [--retries N (3)]
association: [--auth none|lls|hls-gmac] [--password TEXT]
             [--system-title HEX --ek HEX --ak HEX [--invocation-counter N] [--general]]
`;

class UsageError extends Error {}

/** The DLMS UA Green Book example keys, used by `simulate` when none are given. */
const GREEN_BOOK_EK = fromHex('000102030405060708090a0b0c0d0e0f');
const GREEN_BOOK_AK = fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf');

const OPTIONS = {
  host: { type: 'string' }, port: { type: 'string' }, baud: { type: 'string' }, 'mode-e': { type: 'boolean' }, wrapper: { type: 'boolean' },
  client: { type: 'string' }, logical: { type: 'string' }, physical: { type: 'string' }, timeout: { type: 'string' }, retries: { type: 'string' },
  auth: { type: 'string' }, password: { type: 'string' }, 'system-title': { type: 'string' }, ek: { type: 'string' }, ak: { type: 'string' },
  'invocation-counter': { type: 'string' }, general: { type: 'boolean' },
  obis: { type: 'string' }, class: { type: 'string' }, attribute: { type: 'string' }, format: { type: 'string' }, output: { type: 'string' },
  from: { type: 'string' }, to: { type: 'string' }, entries: { type: 'string' }, listen: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function int(value: string | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} expects a non-negative integer, got "${value}"`);
  return n;
}

function hex(value: string | undefined, name: string, bytes: number): Uint8Array | undefined {
  if (value === undefined) return undefined;
  let out: Uint8Array;
  try {
    out = fromHex(value.replace(/[\s:]/g, ''));
  } catch {
    throw new UsageError(`--${name} expects hex`);
  }
  if (out.length !== bytes) throw new UsageError(`--${name} expects ${bytes} bytes of hex, got ${out.length}`);
  return out;
}

function time(value: string | undefined, name: string): number {
  if (value === undefined) throw new UsageError(`profile needs --${name} (ISO 8601, e.g. 2024-07-01T00:00:00Z) or --entries`);
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${name}: "${value}" is not a date-time`);
  return Math.floor(ms / 1000);
}

/** The connection and association described by the options. */
export function clientOptionsFrom(v: Values): DlmsClientOptions {
  const auth = (v.auth ?? 'none') as Authentication;
  if (!['none', 'lls', 'hls-gmac'].includes(auth)) throw new UsageError(`--auth must be none, lls or hls-gmac, got "${v.auth}"`);
  const systemTitle = hex(v['system-title'], 'system-title', 8);
  const ek = hex(v.ek, 'ek', 16);
  const ak = hex(v.ak, 'ak', 16);
  const ciphered = systemTitle !== undefined || ek !== undefined || ak !== undefined;
  if (ciphered && (systemTitle === undefined || ek === undefined || ak === undefined)) throw new UsageError('ciphering needs all of --system-title, --ek and --ak');
  if (auth === 'hls-gmac' && !ciphered) throw new UsageError('--auth hls-gmac needs --system-title, --ek and --ak');
  if (auth === 'lls' && v.password === undefined) throw new UsageError('--auth lls needs --password');
  const common = {
    client: int(v.client, 'client', 16),
    logicalDevice: int(v.logical, 'logical', 1),
    physicalDevice: int(v.physical, 'physical'),
    responseTimeoutMs: int(v.timeout, 'timeout', 3000),
    maxRetries: int(v.retries, 'retries', 3),
    association: {
      authentication: auth,
      password: v.password,
      security: ciphered ? { systemTitle: systemTitle!, keys: { encryptionKey: ek!, authenticationKey: ak! }, invocationCounter: int(v['invocation-counter'], 'invocation-counter', 1), ciphering: v.general ? 'general' as const : 'service-specific' as const } : undefined,
    },
  };
  if (v.host !== undefined && v.port !== undefined) throw new UsageError('give either --host or --port, not both');
  if (v.host !== undefined) {
    let endpoint;
    try {
      endpoint = parseHostPort(v.host);
    } catch (error) {
      throw new UsageError(`--host: ${(error as Error).message}`);
    }
    return { ...common, tcp: { ...endpoint, framing: v.wrapper ? 'wrapper' : 'hdlc' } };
  }
  if (v.port !== undefined) return { ...common, serial: { path: v.port, baudRate: int(v.baud, 'baud', 9600), modeE: v['mode-e'] ?? false } };
  throw new UsageError('no meter: give --host HOST:PORT or --port PATH');
}

function describeFailure(error: unknown): string {
  if (!(error instanceof DlmsError)) return `error: ${(error as Error)?.message ?? String(error)}`;
  const reason = error instanceof AccessError || error instanceof AssociationError ? error.reason : undefined;
  return `${error.layer} layer failed [${error.code}]: ${error.message}${reason ? ` (meter's reason: ${reason})` : ''}`;
}

export async function runDlmsCommand(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  try {
    const { values } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: false, strict: true });
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    switch (command) {
      case 'read':
        return await read(values, io);
      case 'profile':
        return await profile(values, io);
      case 'objects':
        return await objects(values, io);
      case 'simulate':
        return await simulate(values, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`dlms: ${(error as Error).message}\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`dlms ${command}: ${describeFailure(error)}\n`);
    return 1;
  }
}

async function read(v: Values, io: CliIo): Promise<number> {
  if (v.obis === undefined) throw new UsageError('read needs --obis');
  let obis: string;
  try {
    obis = normalizeObis(v.obis);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const classId = int(v.class, 'class') ?? knownObject(obis)?.classId ?? CosemClass.DATA;
  const attribute = int(v.attribute, 'attribute', 2)!;
  const options = clientOptionsFrom(v);
  const { data, su } = await withDlmsSession(options, async (session) => {
    const value = await session.get(attributeRef(classId, obis, attribute));
    let unit: ScalerUnit | undefined;
    if ((classId === CosemClass.REGISTER || classId === CosemClass.EXTENDED_REGISTER) && attribute === 2) {
      unit = decodeScalerUnit(await session.get(attributeRef(classId, obis, 3)));
    }
    return { data: value, su: unit };
  });
  const s = scaled(data, su);
  if (v.format === 'json') io.stdout.write(`${JSON.stringify({ obis, classId, attribute, value: toJson(data), ...(s ? { scaled: s.value, unit: s.unit } : {}) })}\n`);
  else io.stdout.write(`${obis} ${cosemClassName(classId)} attribute ${attribute}: ${s ? `${s.value} ${s.unit}` : toText(data)}\n`);
  return 0;
}

async function profile(v: Values, io: CliIo): Promise<number> {
  const obis = normalizeObis(v.obis ?? '1.0.99.1.0.255');
  let selection: { from: number; to: number } | { fromEntry: number; toEntry: number };
  if (v.entries !== undefined) {
    const m = /^(\d+)(?::(\d+))?$/.exec(v.entries);
    if (m === null || Number(m[1]) < 1) throw new UsageError('--entries expects FROM[:TO], counting from 1 (TO 0 = the last)');
    selection = { fromEntry: Number(m[1]), toEntry: Number(m[2] ?? 0) };
  } else {
    selection = { from: time(v.from, 'from'), to: time(v.to, 'to') };
    if (selection.to < selection.from) throw new UsageError('--to is before --from');
  }
  const format = v.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError('profile --format is csv or json');
  const bar = new ProgressBar(io.stderr, `profile ${obis}`, io.progress ?? Boolean((io.stderr as { isTTY?: boolean }).isTTY));
  const result = await withDlmsSession(clientOptionsFrom(v), async (session) => {
    const layout = await session.profileLayout(obis);
    const expectedRows = 'from' in selection ? Math.floor((selection.to - selection.from) / Math.max(1, layout.capturePeriod)) + 1 : Math.max(1, selection.toEntry - selection.fromEntry + 1);
    const bytesPerRow = 2 + layout.columns.reduce((n, c) => n + (c.classId === CosemClass.CLOCK ? 14 : 5), 0);
    const reading = await session.readProfile(obis, selection, { onProgress: (p) => bar.update(p.bytes / (expectedRows * bytesPerRow), `${formatBytes(p.bytes)}, ${p.blocks} block(s)`) });
    const units = new Map<number, ScalerUnit>();
    for (const [i, c] of reading.columns.entries()) {
      if (c.classId === CosemClass.REGISTER && c.attribute === 2) units.set(i, decodeScalerUnit(await session.get(attributeRef(c.classId, c.obis, 3))));
    }
    return { reading, units };
  });
  const { reading, units } = result;
  bar.done(`${reading.rows.length} entries`);
  const headers = reading.columns.map((c, i) => `${formatObis(c.obis)}:${c.attribute}${units.has(i) ? ` [${scaled({ type: 'double-long', value: 0 }, units.get(i))!.unit}]` : ''}`);
  const cell = (row: (typeof reading.rows)[number], i: number): unknown => {
    const value = row.values[i]!;
    if (reading.columns[i]!.classId === CosemClass.CLOCK) return row.timestamp === undefined ? toJson(value) : new Date(row.timestamp * 1000).toISOString();
    return scaled(value, units.get(i))?.value ?? toJson(value);
  };
  let text: string;
  if (format === 'json') {
    text = `${JSON.stringify({ obis, capturePeriod: reading.capturePeriod, columns: headers, rows: reading.rows.map((r) => r.values.map((_, i) => cell(r, i))) })}\n`;
  } else {
    text = [headers.map(csvField).join(','), ...reading.rows.map((r) => r.values.map((_, i) => csvField(cell(r, i))).join(','))].join('\n') + '\n';
  }
  if (v.output !== undefined) {
    writeFileSync(v.output, text);
    io.stderr.write(`wrote ${reading.rows.length} entries to ${v.output}\n`);
  } else io.stdout.write(text);
  return 0;
}

async function objects(v: Values, io: CliIo): Promise<number> {
  const list = await withDlmsSession(clientOptionsFrom(v), (session) => session.readObjectList());
  if (v.format === 'json') io.stdout.write(`${JSON.stringify(list)}\n`);
  else for (const o of list) io.stdout.write(`${o.obis.padEnd(18)} ${cosemClassName(o.classId).padEnd(18)} class ${o.classId} v${o.version}${knownObject(o.obis) ? `  ${knownObject(o.obis)!.description}` : ''}\n`);
  return 0;
}

async function simulate(v: Values, io: CliIo): Promise<number> {
  const endpoint = parseHostPort(v.listen ?? '127.0.0.1:4059');
  const sim = await startTcpMeterSimulator({
    host: endpoint.host,
    port: endpoint.port,
    framing: v.wrapper ? 'wrapper' : 'hdlc',
    meter: {
      password: v.password,
      keys: { encryptionKey: hex(v.ek, 'ek', 16) ?? GREEN_BOOK_EK, authenticationKey: hex(v.ak, 'ak', 16) ?? GREEN_BOOK_AK },
    },
  });
  io.stderr.write(`simulated DLMS meter (${sim.framing}) on ${sim.host}:${sim.port}; clients 16 none, 32 LLS (password ${v.password ?? '00000000'}), 48 HLS-GMAC${v.ek ? '' : ' (Green Book test keys)'}; Ctrl-C stops\n`);
  await (io.untilStopped ?? new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  }));
  await sim.close();
  return 0;
}
