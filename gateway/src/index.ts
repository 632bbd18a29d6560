/**
 * @wattledger/gateway: the utility's service between meters and the ledger (DESIGN §6).
 * In-process users (demo, benchmarks, tests) call `startGateway(parseConfig({...}))`.
 */
export { startGateway, type Gateway, type GatewayOptions, type GatewayStats } from './gateway.js';
export { parseConfig, type GatewayConfig } from './config/schema.js';
export { loadConfigFile, resolvePaths } from './config/load.js';
export { ConfigError, GatewayError, GatewayErrorCode, JournalError, LedgerProtocolError, LedgerUnavailableError, ReadingRefusedError, VerifyPoolError } from './errors.js';
export { RejectReason } from './pipeline/rejection.js';
export type { MessageOutcome } from './pipeline/pipeline.js';
export { mosquittoAcl } from './ingress/external-broker.js';
export { CredentialStore } from './ingress/credentials.js';
export { main as runGatewayCli } from './cli.js';
export * from './pairing/index.js';
