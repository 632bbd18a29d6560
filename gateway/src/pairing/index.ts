/**
 * Field pairing on the gateway side (DESIGN §8, issue #7): the registrar (enroll, register)
 * with its HTTPS endpoint, the technician credential, and the technician tool (wattledger-pair).
 */
export * from './errors.js';
export * from './technician-credential.js';
export * from './registrar-messages.js';
export { DEFAULT_ENROLLMENT_TTL_MS, Registrar, RegistrarRequestKind, type RegistrarDeps, type RegistrarStats } from './registrar.js';
export { startRegistrarServer, type RegistrarServer, type RegistrarServerOptions } from './registrar-server.js';
export { parsePairingConfig, type PairingConfig } from './pairing-config.js';
export { startPairingRegistrar, type PairingRegistrarDeps, type PairingRegistrarService } from './registrar-service.js';
export { EventQueue, type PairingLink, type PairingLinkReceiver, type PairingTransport } from './technician/pairing-link.js';
export { NoAckError, runPairing, type MeterIdentity, type PairingProgress, type RunPairingOptions } from './technician/pair-session.js';
export { RegistrarClient, RegistrarUnreachableError, type RegistrarClientOptions } from './technician/registrar-client.js';
export { ndefFromType2Tag, onboardingFromNfcBytes, onboardingFromQr } from './technician/onboarding-input.js';
export { loadOptional, RadioUnavailableError } from './technician/optional-module.js';
export { bleLocalName, openBleLink } from './technician/ble-noble.js';
export { openNfcLink, PAIRING_AID, readNfcTag } from './technician/nfc-pcsc.js';
export { describeFailure, PAIR_USAGE, parseRole, runPairCommand, type PairIo } from './technician/pair-command.js';
