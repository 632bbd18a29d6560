/**
 * wattledger-pair (also `wattledger-gateway pair`): the technician's tool (DESIGN §8).
 *
 *   wattledger-pair --registrar URL --credential FILE --key FILE --role ROLE
 *                   (--qr TEXT | --ndef FILE | --nfc-tag) [--code 1234-5678-9]
 *                   [--transport ble|nfc] [--owner PARTY_ID] [--rated-power W] [--ca FILE] [--json]
 *   wattledger-pair ... --simulate [--first-reading-in S]
 *                                           pair an in-process virtual meter (demo, tests) whose first
 *                                           interval ends S s after start (default 15)
 *   wattledger-pair credential --intermediary-key FILE --technician-public-key HEX --name NAME [--days N]
 *   wattledger-pair keygen --out FILE       a technician key; prints its public key
 *   wattledger-pair show (--qr TEXT | --ndef FILE)
 *
 * Every failure is one line: what went wrong and what to do (protocol's PAIRING_ADVICE, the
 * registrar's REGISTRAR_ADVICE).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { partyIdFromPublicKey, productionMethodByCode, productionMethodByName, toHex, fromHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import {
  formatSetupCode, isPairingErrorCode, PAIRING_ADVICE, PairingError, parseSetupCode, type MeterRole, type OnboardingPayload, type ProvisioningConfig,
} from '@wattledger/protocol/pairing';
import { readSeedFile } from '../../config/keys.js';
import { GatewayError } from '../../errors.js';
import { REGISTRAR_ADVICE, RegistrarError } from '../errors.js';
import { issueTechnicianCredential, readTechnicianCredential } from '../technician-credential.js';
import { openBleLink } from './ble-noble.js';
import { openNfcLink, readNfcTag } from './nfc-pcsc.js';
import { onboardingFromNfcBytes, onboardingFromQr } from './onboarding-input.js';
import { RadioUnavailableError } from './optional-module.js';
import type { PairingLink, PairingTransport } from './pairing-link.js';
import { NoAckError, runPairing, type PairingProgress } from './pair-session.js';
import { RegistrarClient, RegistrarUnreachableError } from './registrar-client.js';

export interface PairIo {
  out(line: string): void;
  err(line: string): void;
}

const STDIO: PairIo = { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) };

export const PAIR_USAGE = `usage:
  wattledger-pair --registrar URL --credential FILE --key FILE --role producer:METHOD|consumer:USER_ID
                  (--qr TEXT | --ndef FILE | --nfc-tag) [--code 1234-5678-9] [--transport ble|nfc]
                  [--owner PARTY_ID] [--rated-power W] [--ca FILE] [--json] [--simulate [--first-reading-in S]]
  wattledger-pair credential --intermediary-key FILE --technician-public-key HEX --name NAME [--days 30] [--out FILE]
  wattledger-pair keygen --out FILE
  wattledger-pair show (--qr TEXT | --ndef FILE)
`;

class UsageError extends Error {}

/** What the tool needs from firmware for --simulate (loaded lazily: the gateway does not depend on firmware). */
interface SimulatedMeter {
  readonly onboarding: OnboardingPayload;
  readonly onboardingText: string;
  connect(info: { transport: PairingTransport; attMtu?: number }): PairingLink;
  start(): void;
  stop(): Promise<void>;
}

async function loadSimulatedMeter(firstReadingInS: number): Promise<SimulatedMeter> {
  const specifier = '@wattledger/firmware';
  let firmware: { createVirtualFieldMeter?: (options: object) => SimulatedMeter };
  try {
    firmware = (await import(specifier)) as typeof firmware;
  } catch (cause) {
    throw new UsageError(`--simulate needs the @wattledger/firmware workspace package (run it from the wattledger checkout): ${(cause as Error).message}`);
  }
  if (typeof firmware.createVirtualFieldMeter !== 'function') throw new UsageError('@wattledger/firmware has no createVirtualFieldMeter: update the checkout');
  return firmware.createVirtualFieldMeter({ firstBoundaryInMs: firstReadingInS * 1000 });
}

export function parseRole(text: string): MeterRole {
  const [kind, value] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
  if (kind === 'producer') {
    const method = /^[0-9]+$/.test(value) ? productionMethodByCode(Number(value)) : productionMethodByName(value as never);
    if (method === undefined) throw new UsageError(`--role producer:${value}: unknown production method (e.g. producer:solar, producer:wind)`);
    return { kind: 'producer', productionMethod: method.code };
  }
  if (kind === 'consumer' && value.length > 0) return { kind: 'consumer', userId: value };
  throw new UsageError(`--role must be producer:METHOD or consumer:USER_ID, got ${JSON.stringify(text)}`);
}

/** An Ed25519 seed file (64 hex digits or 32 raw bytes); one line naming the option on failure. */
function readKey(file: string, option: string): ReturnType<typeof nodeEd25519.signer> {
  try {
    return nodeEd25519.signer(readSeedFile(file, option));
  } catch (error) {
    if (error instanceof GatewayError) throw new Error((error.message as string).replace(/^config /, ''));
    throw error;
  }
}

function readCredentialFile(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw new UsageError(`cannot read the technician credential ${file}: ${(cause as Error).message}`);
  }
  const text = bytes.toString('utf8').trim();
  return /^[A-Za-z0-9_-]+$/.test(text) ? new Uint8Array(Buffer.from(text, 'base64url')) : new Uint8Array(bytes);
}

async function readOnboarding(values: { qr?: string; ndef?: string; 'nfc-tag'?: boolean }): Promise<OnboardingPayload> {
  const given = [values.qr !== undefined, values.ndef !== undefined, values['nfc-tag'] === true].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give the meter\'s onboarding payload with exactly one of --qr TEXT, --ndef FILE or --nfc-tag');
  if (values.qr !== undefined) return onboardingFromQr(values.qr);
  if (values.ndef !== undefined) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(values.ndef);
    } catch (cause) {
      throw new UsageError(`cannot read the NFC tag data ${values.ndef}: ${(cause as Error).message}`);
    }
    return onboardingFromNfcBytes(new Uint8Array(bytes));
  }
  return onboardingFromNfcBytes(await readNfcTag());
}

function describeProgress(progress: PairingProgress): string | undefined {
  switch (progress.type) {
    case 'identity':
      return `meter identity verified: id ${progress.meterId}, Ed25519 key ${toHex(progress.meterPublicKey)}`;
    case 'provisioned':
      return `enrolled at the gateway: intermediary ${progress.provisioning.intermediaryId}, broker ${progress.provisioning.brokerUrl}, interval ${progress.provisioning.intervalLength} s`;
    case 'staged':
      return `staged on the meter (fail-safe ${Math.round(progress.failSafeMs / 60_000)} min); registering it on the ledger`;
    case 'registered':
      return "registered on the ledger; waiting for the gateway to acknowledge the meter's first reading";
    case 'waiting':
      return progress.failSafeLeftMs === undefined ? undefined : `still waiting for the first acknowledged reading (fail-safe ends in ${Math.round(progress.failSafeLeftMs / 1000)} s)`;
    case 'framing-error':
      return `radio: ${progress.reason}`;
  }
}

/** One line for any failure of a pairing. */
export function describeFailure(error: unknown): string {
  if (error instanceof PairingError && isPairingErrorCode(error.code)) {
    const details = [error.details.attemptsLeft === undefined ? '' : `${error.details.attemptsLeft} attempts left`, error.details.retryAfterMs ? `retry in ${Math.ceil(error.details.retryAfterMs / 1000)} s` : ''].filter(Boolean).join(', ');
    return `${error.code}${details ? ` (${details})` : ''}: ${PAIRING_ADVICE[error.code]}`;
  }
  if (error instanceof RegistrarError) return `${error.code}: ${error.message}; ${REGISTRAR_ADVICE[error.code]}`;
  if (error instanceof NoAckError) return `NO_ACK: ${error.message}; check that the gateway's broker is reachable from the meter, then retry`;
  if (error instanceof RadioUnavailableError || error instanceof RegistrarUnreachableError) return error.message;
  if (error instanceof GatewayError) return error.message;
  return (error as Error)?.message ?? String(error);
}

async function pair(args: string[], io: PairIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      registrar: { type: 'string' }, credential: { type: 'string' }, key: { type: 'string' }, role: { type: 'string' },
      qr: { type: 'string' }, ndef: { type: 'string' }, 'nfc-tag': { type: 'boolean' }, code: { type: 'string' },
      transport: { type: 'string' }, owner: { type: 'string' }, 'rated-power': { type: 'string' }, ca: { type: 'string' },
      json: { type: 'boolean' }, simulate: { type: 'boolean' }, 'first-reading-in': { type: 'string' }, 'poll-ms': { type: 'string' },
    },
    strict: true,
  });
  for (const required of ['registrar', 'credential', 'key', 'role'] as const) if (values[required] === undefined) throw new UsageError(`--${required} is required`);
  const role = parseRole(values.role!);
  const ratedPowerW = values['rated-power'] === undefined ? 10_000 : Number(values['rated-power']);
  if (!Number.isSafeInteger(ratedPowerW) || ratedPowerW < 0) throw new UsageError('--rated-power must be whole watts');
  const setupCode = values.code === undefined ? undefined : parseSetupCode(values.code);
  const transportName = values.transport;
  if (transportName !== undefined && transportName !== 'ble' && transportName !== 'nfc') throw new UsageError('--transport must be ble or nfc');
  const technician = readKey(values.key!, '--key');
  const credential = readCredentialFile(values.credential!);
  const client = new RegistrarClient({ url: values.registrar!, credential, technician, ...(values.ca === undefined ? {} : { ca: readFileSync(values.ca) }) });

  const firstReadingInS = values['first-reading-in'] === undefined ? 15 : Number(values['first-reading-in']);
  if (!(firstReadingInS >= 1 && firstReadingInS <= 3600)) throw new UsageError('--first-reading-in must be 1..3600 s');
  const simulated = values.simulate ? await loadSimulatedMeter(firstReadingInS) : undefined;
  let link: PairingLink | undefined;
  try {
    simulated?.start();
    const onboarding = simulated?.onboarding ?? (await readOnboarding(values));
    if (simulated) io.out(`simulated meter ${onboarding.meterId}: label ${simulated.onboardingText}, setup code ${formatSetupCode(onboarding.setupCode)}`);
    const transport: PairingTransport = (transportName as PairingTransport | undefined) ?? (onboarding.capabilities & 2 ? 'ble' : 'nfc');
    if (!(onboarding.capabilities & (transport === 'ble' ? 2 : 1))) throw new UsageError(`meter ${onboarding.meterId} does not offer ${transport.toUpperCase()} pairing`);
    io.out(`meter ${onboarding.meterId}: connecting over ${transport.toUpperCase()}`);
    link = simulated ? simulated.connect(transport === 'ble' ? { transport, attMtu: 185 } : { transport }) : transport === 'ble' ? await openBleLink(onboarding.meterId) : await openNfcLink();
    let registered: { txId: string; status: string } | undefined;
    let lastWaitingLine = Date.now();
    const result = await runPairing({
      onboarding, ...(setupCode === undefined ? {} : { setupCode }), link, verifier: nodeEd25519, role,
      ...(values['poll-ms'] === undefined ? {} : { pollIntervalMs: Number(values['poll-ms']) }),
      enroll: async (identity): Promise<ProvisioningConfig> => {
        const answer = await client.enroll({ ...identity, role, ...(values.owner === undefined ? {} : { owner: values.owner }), ratedPowerW });
        return { intermediaryId: answer.intermediaryId, brokerUrl: answer.brokerUrl, mqttUsername: answer.mqttUsername, mqttPassword: answer.mqttPassword, role, intervalLength: answer.intervalLength };
      },
      register: async (staged) => {
        registered = await client.register(staged);
      },
      cancel: (meterId) => client.cancel(meterId),
      onProgress: (progress) => {
        if (progress.type === 'waiting') {
          if (Date.now() - lastWaitingLine < 30_000) return;
          lastWaitingLine = Date.now();
        }
        const line = describeProgress(progress);
        if (line !== undefined) io.out(line);
      },
    });
    const summary = {
      meterId: result.meterId, publicKey: toHex(result.meterPublicKey), intermediaryId: result.provisioning.intermediaryId,
      brokerUrl: result.provisioning.brokerUrl, role: result.provisioning.role, intervalLength: result.provisioning.intervalLength, registerTx: registered?.txId,
    };
    if (values.json) io.out(JSON.stringify(summary));
    else io.out(`committed: meter ${result.meterId} is paired to intermediary ${summary.intermediaryId} and its first reading was acknowledged (register-meter tx ${registered?.txId ?? '-'})`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    io.err(`wattledger-pair: ${describeFailure(error)}`);
    return 1;
  } finally {
    await link?.close();
    await simulated?.stop();
  }
}

function credentialCommand(args: string[], io: PairIo): number {
  const { values } = parseArgs({ args, options: { 'intermediary-key': { type: 'string' }, 'technician-public-key': { type: 'string' }, name: { type: 'string' }, days: { type: 'string' }, out: { type: 'string' } }, strict: true });
  if (values['intermediary-key'] === undefined || values['technician-public-key'] === undefined || values.name === undefined) {
    throw new UsageError('credential needs --intermediary-key FILE, --technician-public-key HEX and --name NAME');
  }
  if (!/^[0-9a-fA-F]{64}$/.test(values['technician-public-key'])) throw new UsageError('--technician-public-key must be 64 hex digits (printed by wattledger-pair keygen)');
  const days = values.days === undefined ? 30 : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 3660) throw new UsageError('--days must be 1..3660');
  const intermediary = readKey(values['intermediary-key'], '--intermediary-key');
  const nowS = Math.floor(Date.now() / 1000);
  const bytes = issueTechnicianCredential(intermediary, {
    intermediaryId: partyIdFromPublicKey(intermediary.publicKey), technicianPublicKey: fromHex(values['technician-public-key']), name: values.name, notBeforeS: nowS - 300, expiresS: nowS + days * 86_400,
  });
  const text = Buffer.from(bytes).toString('base64url');
  if (values.out !== undefined) writeFileSync(values.out, `${text}\n`, { mode: 0o600 });
  else io.out(text);
  const credential = readTechnicianCredential(bytes);
  io.err(`credential for "${credential.name}" of intermediary ${credential.intermediaryId}, valid until ${new Date(credential.expiresS * 1000).toISOString()}`);
  return 0;
}

function keygenCommand(args: string[], io: PairIo): number {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } }, strict: true });
  if (values.out === undefined) throw new UsageError('keygen needs --out FILE');
  const seed = randomBytes(32);
  writeFileSync(values.out, `${seed.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  io.out(toHex(nodeEd25519.publicKeyOf(new Uint8Array(seed))));
  return 0;
}

async function showCommand(args: string[], io: PairIo): Promise<number> {
  const { values } = parseArgs({ args, options: { qr: { type: 'string' }, ndef: { type: 'string' }, 'nfc-tag': { type: 'boolean' } }, strict: true });
  const onboarding = await readOnboarding(values);
  io.out(JSON.stringify({ meterId: onboarding.meterId, staticKey: toHex(onboarding.staticKey), setupCode: formatSetupCode(onboarding.setupCode), nfc: Boolean(onboarding.capabilities & 1), ble: Boolean(onboarding.capabilities & 2) }));
  return 0;
}

/** Runs the tool; returns the exit status (0 ok, 1 pairing failed, 2 usage). */
export async function runPairCommand(argv: string[], io: PairIo = STDIO): Promise<number> {
  const [first, ...rest] = argv;
  try {
    switch (first) {
      case 'credential':
        return credentialCommand(rest, io);
      case 'keygen':
        return keygenCommand(rest, io);
      case 'show':
        return await showCommand(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.out(PAIR_USAGE);
        return 0;
      default:
        return await pair(first === 'run' ? rest : argv, io);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`wattledger-pair: ${(error as Error).message}\n${PAIR_USAGE}`);
      return 2;
    }
    io.err(`wattledger-pair: ${describeFailure(error)}`);
    return 1;
  }
}
