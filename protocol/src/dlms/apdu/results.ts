/**
 * Result codes the meter answers with (IEC 62056-5-3 §8, Data-Access-Result, Action-Result,
 * Exception-Response state-error / service-error), as frozen name tables.
 */

export const DataAccessResult = Object.freeze({
  SUCCESS: 0,
  HARDWARE_FAULT: 1,
  TEMPORARY_FAILURE: 2,
  READ_WRITE_DENIED: 3,
  OBJECT_UNDEFINED: 4,
  OBJECT_CLASS_INCONSISTENT: 9,
  OBJECT_UNAVAILABLE: 11,
  TYPE_UNMATCHED: 12,
  SCOPE_OF_ACCESS_VIOLATED: 13,
  DATA_BLOCK_UNAVAILABLE: 14,
  LONG_GET_ABORTED: 15,
  NO_LONG_GET_IN_PROGRESS: 16,
  LONG_SET_ABORTED: 17,
  NO_LONG_SET_IN_PROGRESS: 18,
  DATA_BLOCK_NUMBER_INVALID: 19,
  OTHER_REASON: 250,
} as const);

/** Action-Result differs from Data-Access-Result in 15/16 (long-action) only. */
export const ActionResult = Object.freeze({
  SUCCESS: 0,
  HARDWARE_FAULT: 1,
  TEMPORARY_FAILURE: 2,
  READ_WRITE_DENIED: 3,
  OBJECT_UNDEFINED: 4,
  OBJECT_CLASS_INCONSISTENT: 9,
  OBJECT_UNAVAILABLE: 11,
  TYPE_UNMATCHED: 12,
  SCOPE_OF_ACCESS_VIOLATED: 13,
  DATA_BLOCK_UNAVAILABLE: 14,
  LONG_ACTION_ABORTED: 15,
  NO_LONG_ACTION_IN_PROGRESS: 16,
  OTHER_REASON: 250,
} as const);

export const ExceptionStateError = Object.freeze({ SERVICE_NOT_ALLOWED: 1, SERVICE_UNKNOWN: 2 } as const);
export const ExceptionServiceError = Object.freeze({
  OPERATION_NOT_POSSIBLE: 1,
  SERVICE_NOT_SUPPORTED: 2,
  OTHER_REASON: 3,
  PDU_TOO_LONG: 4,
  DECIPHERING_ERROR: 5,
  INVOCATION_COUNTER_ERROR: 6,
} as const);

function namer(table: Readonly<Record<string, number>>): (code: number) => string {
  const names: Record<number, string> = {};
  for (const [name, code] of Object.entries(table)) names[code] ??= name.toLowerCase().replace(/_/g, '-');
  return (code) => names[code] ?? `code-${code}`;
}

export const dataAccessResultName = namer(DataAccessResult);
export const actionResultName = namer(ActionResult);
export const exceptionStateErrorName = namer(ExceptionStateError);
export const exceptionServiceErrorName = namer(ExceptionServiceError);
