/**
 * Field pairing on the meter (DESIGN §8, issue #7): the commissioning shell around protocol's
 * responder, staged provisioning with its fail-safe, the pairable FieldMeter, and an in-memory
 * radio. `createVirtualFieldMeter` is Node only (it is not part of the device bundle).
 */
export { Commissioning, type CommissioningDeps, type CommissioningEvent, type CommissioningHooks } from './commissioning.js';
export { DEFAULT_FAIL_SAFE_MS, FieldMeter, type FieldMeterEvent, type FieldMeterHal, type FieldMeterOptions, type PairingEvent } from './field-meter.js';
export { memoryRadio, type MemoryRadio, type MemoryRadioOptions, type RadioPeer, type RadioPeerReceiver, type RadioSide } from './memory-radio.js';
export { OffsetSource } from './offset-source.js';
export {
  commitStaged, decodeStagedRecord, encodeStagedRecord, ensurePairingIdentity, PairingKey, rollbackStaged, writeStaged,
  type PairingIdentity, type StagedRecord,
} from './pairing-records.js';
export { firmwareProvisioning } from './provisioning-bridge.js';
