/**
 * EXCEPTION-Response (IEC 62056-5-3 §8): D8 state-error service-error [invocation-counter],
 * the meter's answer to an APDU it cannot or may not handle.
 */
import { ByteReader } from '../byte-io.js';
import { ExceptionServiceError, exceptionServiceErrorName, exceptionStateErrorName } from './results.js';
import { expectTag } from './get.js';
import { ApduTag } from './tags.js';

export interface ExceptionResponse {
  readonly stateError: number;
  readonly serviceError: number;
  /** With service-error invocation-counter-error: the lowest counter the meter accepts. */
  readonly invocationCounter?: number | undefined;
}

export function encodeExceptionResponse(e: ExceptionResponse): Uint8Array {
  if (e.serviceError === ExceptionServiceError.INVOCATION_COUNTER_ERROR) {
    const ic = e.invocationCounter ?? 0;
    return Uint8Array.of(ApduTag.EXCEPTION_RESPONSE, e.stateError, e.serviceError, ic >>> 24, (ic >>> 16) & 0xff, (ic >>> 8) & 0xff, ic & 0xff);
  }
  return Uint8Array.of(ApduTag.EXCEPTION_RESPONSE, e.stateError, e.serviceError);
}

export function decodeExceptionResponse(bytes: Uint8Array): ExceptionResponse {
  const r = new ByteReader(bytes, { layer: 'APDU', what: 'Exception-Response' });
  expectTag(r, ApduTag.EXCEPTION_RESPONSE, 'Exception-Response');
  const stateError = r.u8();
  const serviceError = r.u8();
  const invocationCounter = serviceError === ExceptionServiceError.INVOCATION_COUNTER_ERROR && r.remaining >= 4 ? r.u32() : undefined;
  r.done();
  return { stateError, serviceError, invocationCounter };
}

export function describeException(e: ExceptionResponse): string {
  const counter = e.invocationCounter === undefined ? '' : ` (meter expects invocation counter >= ${e.invocationCounter})`;
  return `${exceptionStateErrorName(e.stateError)} / ${exceptionServiceErrorName(e.serviceError)}${counter}`;
}
