/**
 * Pairing provisioning (protocol/src/pairing/provisioning.ts, what a technician sends) turned
 * into the firmware's provisioning record (core/provisioning.ts, what the core boots with).
 *
 * The PROVISION message carries no key for the intermediary's signed config topic, so a
 * paired meter keeps the config key it had for the same intermediary and otherwise gets the
 * all-zero key, under which no config message ever verifies (the meter runs on the paired
 * values until it is paired again).
 */
import { toHex } from '@wattledger/protocol';
import type { ProvisioningConfig } from '@wattledger/protocol/pairing';
import { parseProvisioning, type Provisioning } from '../core/provisioning.js';

const NO_CONFIG_KEY = '00'.repeat(32);

/** Throws BadProvisioningError when the firmware cannot run with the values (e.g. a ws:// broker URL). */
export function firmwareProvisioning(config: ProvisioningConfig, previous?: Provisioning): Provisioning {
  const role = config.role;
  const sameIntermediary = previous !== undefined && previous.intermediaryId === config.intermediaryId;
  return parseProvisioning({
    role: role.kind,
    ...(role.kind === 'producer' ? { productionMethod: role.productionMethod } : { userId: role.userId }),
    intermediaryId: config.intermediaryId,
    intermediaryPublicKey: sameIntermediary ? toHex(previous.intermediaryPublicKey) : NO_CONFIG_KEY,
    brokerUrl: config.brokerUrl,
    username: config.mqttUsername,
    password: config.mqttPassword,
    intervalLength: config.intervalLength,
    ...(sameIntermediary && previous.ratedPowerWatts !== undefined ? { ratedPowerWatts: previous.ratedPowerWatts } : {}),
  });
}
