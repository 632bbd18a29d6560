/**
 * @wattledger/protocol/dlms: DLMS/COSEM (IEC 62056) codecs and state machines, pure (no I/O,
 * no timers): HDLC (62056-46), the TCP/UDP wrapper (62056-47), the mode E opening (62056-21),
 * A-XDR data, OBIS, ACSE and xDLMS APDUs with security suite 0, and profile generic access.
 */
export * from './errors.js';
export * from './crc16.js';
export * from './hdlc-frame.js';
export * from './hdlc-parser.js';
export * from './hdlc-parameters.js';
export * from './hdlc-link.js';
export * from './wrapper.js';
export * from './mode-e.js';
export * from './byte-io.js';
export * from './date-time.js';
export * from './axdr.js';
export * from './scaler-unit.js';
export * from './cosem-class.js';
export * from './obis.js';
export * from './apdu/tags.js';
export * from './apdu/results.js';
export * from './apdu/conformance.js';
export * from './apdu/descriptors.js';
export * from './apdu/initiate.js';
export * from './apdu/acse.js';
export * from './apdu/get.js';
export * from './apdu/set.js';
export * from './apdu/action.js';
export * from './apdu/exception.js';
export * from './apdu/security.js';
export * from './apdu/ciphering.js';
export * from './apdu/hls.js';
export * from './profile-generic.js';
