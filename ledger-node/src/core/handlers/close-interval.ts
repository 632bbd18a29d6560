/** close-interval: the intermediary (or its gateway) closes one interval; allocation runs. */
import type { CloseIntervalBody } from '@wattledger/protocol';
import { allocateInterval } from '../allocation.js';
import type { HandlerInput } from '../context.js';
import { reject, RejectCode } from '../rejection.js';
import type { LedgerState } from '../state.js';

export function closeInterval(state: LedgerState, body: CloseIntervalBody, input: HandlerInput): void {
  const intermediary = state.parties.get(body.intermediary);
  if (intermediary === undefined) reject(RejectCode.UNKNOWN_PARTY, `intermediary ${body.intermediary} is not registered`);
  if (intermediary.role !== 'intermediary') reject(RejectCode.WRONG_ROLE, `${body.intermediary} is a ${intermediary.role}, not an intermediary`);
  if (state.actsFor(input.signer) !== body.intermediary) reject(RejectCode.UNAUTHORIZED, `only intermediary ${body.intermediary} or its gateways may close its intervals`);
  const intervalS = state.genesis.intervalS;
  if (body.intervalStart % intervalS !== 0) reject(RejectCode.INTERVAL_NOT_ALIGNED, `interval start ${body.intervalStart} is not aligned to ${intervalS} s`);
  const clock = state.clocks.get(body.intermediary);
  if (clock !== undefined && body.intervalStart <= clock.lastClosed) reject(RejectCode.INTERVAL_ALREADY_CLOSED, `intervals up to ${clock.lastClosed} are already closed for ${body.intermediary}`);
  allocateInterval(state, body.intermediary, body.intervalStart, input.events);
  state.putClock({ intermediary: body.intermediary, lastClosed: body.intervalStart });
}
