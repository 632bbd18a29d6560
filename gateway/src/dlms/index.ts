/** Public API of the DLMS bridge (issue #6), for the gateway, the demo and benchmarks. */
export { createDlmsPoller, memoryCursorStore, type CursorStore, type DlmsMeterConfig, type DlmsPoller, type DlmsPollerOptions, type DlmsReadingBatch, type PollCursor, type PollResult } from './poller.js';
export { openDlmsSession, withDlmsSession, describeEndpoint, type DlmsClientOptions, type DlmsEndpoint } from './client.js';
export { DlmsSession, type ObjectListEntry, type ProfileReading, type ProfileSelection, type Progress, type SessionOptions } from './session.js';
export type { Authentication, AssociationOptions, SecurityOptions } from './association.js';
export { runDlmsCommand, type CliIo } from './cli.js';
export { TransportError, TransportErrorCode, type ByteTransport, type LineSettings } from './transport.js';
export { openTcpTransport, parseHostPort } from './tcp-transport.js';
export { openSerialTransport, type SerialBinding, type SerialOptions } from './serial-transport.js';
export { MeterModel, intervalEnergy, type SimulatedMeterOptions } from './simulator/meter-model.js';
export { startTcpMeterSimulator, type TcpMeterSimulator, type TcpSimulatorOptions } from './simulator/tcp-simulator.js';
export { createSerialMeterSimulator, type SerialMeterSimulator, type SerialSimulatorOptions } from './simulator/serial-simulator.js';
export { createDlmsBridge, type DlmsBridge, type DlmsBridgeDeps, type DlmsBridgeMetrics } from './gateway-bridge.js';
export { sqliteCursorStore, INVOCATION_COUNTER_RESERVE, type SqliteCursorStore } from './sqlite-cursor-store.js';
