/** Shared test fixtures: a fixed intermediary key, provisioning, and a meter core on memory storage. */
import { fromHex, nobleEd25519, type Signer } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { SeededRandom } from '../../src/adapters/seeded-random.js';
import { MemoryStorage } from '../../src/adapters/memory-storage.js';
import { MeterCore, type MeterCoreOptions } from '../../src/core/meter-core.js';
import { parseProvisioning, type Provisioning } from '../../src/core/provisioning.js';
import { toHex } from '@wattledger/protocol';

/** RFC 8032 §7.1 TEST 2 secret key, used as the intermediary's key. */
export const INTERMEDIARY: Signer = nobleEd25519.signer(fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'));

export function provisioning(overrides: Record<string, unknown> = {}): Provisioning {
  return parseProvisioning({
    role: 'producer', productionMethod: 'solar', intermediaryId: 'utility-a', intermediaryPublicKey: toHex(INTERMEDIARY.publicKey),
    brokerUrl: 'mqtt://127.0.0.1:1883', intervalLength: 1800, ...overrides,
  });
}

/** 2026-06-21T00:00:00Z, a multiple of every interval length. */
export const T0 = Date.UTC(2026, 5, 21);

export function memoryCore(options: Partial<MeterCoreOptions> = {}, seed = 1): { core: MeterCore; storage: MemoryStorage } {
  const storage = (options.storage as MemoryStorage | undefined) ?? new MemoryStorage();
  const core = new MeterCore({ storage, random: new SeededRandom(seed), ed25519: nodeEd25519, provisioning: provisioning(), ...options });
  return { core, storage };
}
