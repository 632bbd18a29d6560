/**
 * Domain errors of the meter firmware, each with a stable `code`. Expected failures on the
 * network paths (a malformed ack, a forged config) are returned as results with a reason,
 * not thrown; these classes are for what stops the meter from booting or a caller's misuse
 * of persisted data.
 */
import { CodedError } from '@wattledger/protocol';

export const FirmwareErrorCode = Object.freeze({
  BAD_PROVISIONING: 'BAD_PROVISIONING',
  NOT_PROVISIONED: 'NOT_PROVISIONED',
  STORAGE_CORRUPT: 'STORAGE_CORRUPT',
  BAD_CONFIG: 'BAD_CONFIG',
} as const);
export type FirmwareErrorCode = (typeof FirmwareErrorCode)[keyof typeof FirmwareErrorCode];

export class FirmwareError extends CodedError<FirmwareErrorCode> {}

/** The provisioning file or record is missing a field or holds an invalid value. */
export class BadProvisioningError extends FirmwareError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FirmwareErrorCode.BAD_PROVISIONING, message, options);
  }
}

/** The meter has no provisioning in storage and none was given. */
export class NotProvisionedError extends FirmwareError {
  constructor(message: string) {
    super(FirmwareErrorCode.NOT_PROVISIONED, message);
  }
}

/** A persisted record does not decode: the flash holds something this firmware did not write. */
export class StorageCorruptError extends FirmwareError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FirmwareErrorCode.STORAGE_CORRUPT, message, options);
  }
}

/** A config message that is not a valid, correctly signed config for this meter. */
export class BadConfigError extends FirmwareError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FirmwareErrorCode.BAD_CONFIG, message, options);
  }
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;
export const silentLogger: Logger = () => {};
