/**
 * What pairing keeps in the meter's storage (DESIGN §8), beside the core's records
 * (core/meter-state.ts: `prov`, `sk`, `seq`, `reg`, `cfg`):
 *
 *   `nk`   X25519 static secret, 32 bytes: the Noise NK responder key on the label
 *   `sck`  setupCodeKey(setup code), 32 bytes: what the responder checks proofs against
 *   `onb`  the onboarding payload (protocol encodeOnboardingCbor): the label / NFC tag content
 *   `pstg` staged provisioning marker, CBOR [1, previous `prov` | null, previous `cfg` | null]
 *
 * The identity (`sk`, the Ed25519 reading key) is the core's record, created here with the
 * core's rule when pairing needs it before the meter was ever provisioned. `pstg` is written
 * (and flushed) before the staged provisioning replaces `prov`, and deleted when it is
 * committed: finding it at boot means the meter lost power while staged, and it rolls back.
 */
import {
  Capability, decodeOnboardingCbor, encodeOnboardingCbor, setupCodeFromRandom, setupCodeKey, x25519KeyPair,
  type OnboardingPayload,
} from '@wattledger/protocol/pairing';
import { decodeCbor, encodeCbor, meterIdFromPublicKey, type Ed25519Provider, type Signer } from '@wattledger/protocol';
import type { RandomSource } from '../hal/random.js';
import type { Storage } from '../hal/storage.js';
import { StorageCorruptError } from '../core/errors.js';
import { StorageKey } from '../core/meter-state.js';

export const PairingKey = Object.freeze({ STATIC_SECRET: 'nk', SETUP_KEY: 'sck', ONBOARDING: 'onb', STAGED: 'pstg' } as const);

export interface PairingIdentity {
  readonly signer: Signer;
  readonly staticSecret: Uint8Array;
  readonly setupKey: Uint8Array;
  readonly onboarding: OnboardingPayload;
}

function bytes32(storage: Storage, key: string, what: string): Uint8Array | undefined {
  const value = storage.get(key);
  if (value !== undefined && value.length !== 32) throw new StorageCorruptError(`stored ${what} has ${value.length} bytes, 32 expected`);
  return value;
}

/**
 * Loads the pairing identity, creating at first boot (the factory step) what is missing: the
 * Ed25519 key (same record and rule as MeterCore), the X25519 static key and a setup code from
 * the hardware random source. Flushed before use.
 */
export function ensurePairingIdentity(storage: Storage, random: RandomSource, ed25519: Ed25519Provider, capabilities: number = Capability.NFC | Capability.BLE): PairingIdentity {
  let written = false;
  let seed = bytes32(storage, StorageKey.SECRET_KEY, 'secret key');
  if (seed === undefined) {
    seed = random.fill(new Uint8Array(32));
    storage.put(StorageKey.SECRET_KEY, seed);
    written = true;
  }
  const signer = ed25519.signer(seed);
  let staticSecret = bytes32(storage, PairingKey.STATIC_SECRET, 'X25519 static secret');
  const onboardingBytes = storage.get(PairingKey.ONBOARDING);
  let setupKey = bytes32(storage, PairingKey.SETUP_KEY, 'setup-code key');
  let onboarding: OnboardingPayload;
  if (staticSecret === undefined || setupKey === undefined || onboardingBytes === undefined) {
    staticSecret = random.fill(new Uint8Array(32));
    const setupCode = setupCodeFromRandom(random.fill(new Uint8Array(16)));
    setupKey = setupCodeKey(setupCode);
    onboarding = Object.freeze({ version: 1, meterId: meterIdFromPublicKey(signer.publicKey), staticKey: x25519KeyPair(staticSecret).publicKey, setupCode, capabilities });
    storage.put(PairingKey.STATIC_SECRET, staticSecret);
    storage.put(PairingKey.SETUP_KEY, setupKey);
    storage.put(PairingKey.ONBOARDING, encodeOnboardingCbor(onboarding));
    written = true;
  } else {
    try {
      onboarding = decodeOnboardingCbor(onboardingBytes);
    } catch (cause) {
      throw new StorageCorruptError('stored onboarding payload does not decode', { cause });
    }
  }
  if (written) storage.flush();
  return { signer, staticSecret, setupKey, onboarding };
}

export interface StagedRecord {
  /** `prov` before staging, or null when the meter was not provisioned. */
  readonly previousProvisioning: Uint8Array | null;
  readonly previousConfig: Uint8Array | null;
}

export function encodeStagedRecord(record: StagedRecord): Uint8Array {
  return encodeCbor([1, record.previousProvisioning, record.previousConfig]);
}

export function decodeStagedRecord(bytes: Uint8Array): StagedRecord {
  let item: unknown;
  try {
    item = decodeCbor(bytes, 4096);
  } catch (cause) {
    throw new StorageCorruptError('staged provisioning record is not CBOR', { cause });
  }
  const ok = (v: unknown): v is Uint8Array | null => v === null || v instanceof Uint8Array;
  if (!Array.isArray(item) || item.length !== 3 || item[0] !== 1 || !ok(item[1]) || !ok(item[2])) {
    throw new StorageCorruptError('staged provisioning record: [1, bytes | null, bytes | null] expected');
  }
  return { previousProvisioning: item[1], previousConfig: item[2] };
}

/**
 * Returns storage to the configuration before staging: the previous provisioning and signed
 * config, or, for a meter that had none, no provisioning and no readings of the staged run
 * (the identity, the pairing keys and the sequence ceiling stay: numbers are never reused).
 * Flushed. Returns false when nothing was staged.
 */
export function rollbackStaged(storage: Storage): boolean {
  const bytes = storage.get(PairingKey.STAGED);
  if (bytes === undefined) return false;
  const record = decodeStagedRecord(bytes);
  if (record.previousProvisioning !== null) {
    storage.put(StorageKey.PROVISIONING, record.previousProvisioning);
    if (record.previousConfig !== null) storage.put(StorageKey.CONFIG, record.previousConfig);
    else storage.delete(StorageKey.CONFIG);
  } else {
    storage.delete(StorageKey.PROVISIONING);
    storage.delete(StorageKey.CONFIG);
    storage.delete(StorageKey.STATE);
    storage.trimLog(storage.logEnd());
  }
  storage.delete(PairingKey.STAGED);
  storage.flush();
  return true;
}

/**
 * Stages provisioning: the marker with the previous records first, then the new `prov` (the
 * previous signed config is set aside: it could name another broker). Flushed.
 */
export function writeStaged(storage: Storage, provisioning: Uint8Array): void {
  const previousProvisioning = storage.get(StorageKey.PROVISIONING) ?? null;
  const previousConfig = storage.get(StorageKey.CONFIG) ?? null;
  storage.put(PairingKey.STAGED, encodeStagedRecord({ previousProvisioning, previousConfig }));
  storage.put(StorageKey.PROVISIONING, provisioning);
  storage.delete(StorageKey.CONFIG);
  storage.flush();
}

/** Commit point: the marker goes, the staged provisioning is the configuration. Flushed. */
export function commitStaged(storage: Storage): void {
  storage.delete(PairingKey.STAGED);
  storage.flush();
}
