/**
 * The publish state machine: `step(state, event) -> { state, effects }`, pure. It owns the
 * MQTT session's life (connect, backoff with jitter, subscribe, retained status) and the
 * flow of readings: oldest first, in batches, at most `window` batches awaiting the
 * gateway's ack, going back to the last ack when an ack does not come in time.
 *
 *   stopped --start--> connecting --connected--> subscribing --subscribed--> online
 *      ^                   |  ^                       |                        |
 *      |            connectionLost |                 connectionLost        connectionLost
 *     stop                 v  | timer                 v                        v
 *      +--------------- backoff <---------------------+------------------------+
 *
 * Readings are removed from the flash queue by the core on ack, never here; after any
 * reconnect everything still queued is sent again (the gateway deduplicates by sequence).
 */
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { LogLevel } from './errors.js';

export type PublisherPhase = 'stopped' | 'connecting' | 'subscribing' | 'online' | 'backoff';

export interface PublisherOptions {
  readonly backoff: BackoffPolicy;
  /** Time to wait for the gateway's ack of the oldest batch in flight, ms (doubles per miss up to 64x). */
  readonly ackTimeoutMs: number;
  /** Batches awaiting an ack at once. */
  readonly window: number;
  readonly maxBatch: number;
}

export const DEFAULT_PUBLISHER_OPTIONS: PublisherOptions = Object.freeze({ backoff: DEFAULT_BACKOFF, ackTimeoutMs: 30_000, window: 4, maxBatch: 48 });

export interface PublisherState {
  readonly phase: PublisherPhase;
  /** Failed connection attempts since the last session that reached `online`. */
  readonly attempt: number;
  readonly newestSeq: number;
  readonly ackedSeq: number;
  /** Highest sequence number published in this session. */
  readonly sentSeq: number;
  /** Last sequence number of each batch awaiting an ack, ascending. */
  readonly inFlight: ReadonlyArray<number>;
  /** A publishBatch effect is out and its `sent` event has not come back. */
  readonly sending: boolean;
  readonly ackMisses: number;
  /** Monotonic ms: when the backoff ends, when the ack of the oldest batch is due. */
  readonly retryAtMs: number | undefined;
  readonly ackDueMs: number | undefined;
}

export type PublisherEvent =
  | { readonly type: 'start'; readonly nowMs: number; readonly newestSeq: number }
  | { readonly type: 'stop'; readonly nowMs: number }
  | { readonly type: 'connected'; readonly nowMs: number }
  | { readonly type: 'subscribed'; readonly nowMs: number }
  | { readonly type: 'connectionLost'; readonly nowMs: number; readonly reason: string; readonly jitter: number }
  | { readonly type: 'timer'; readonly nowMs: number }
  | { readonly type: 'queued'; readonly nowMs: number; readonly newestSeq: number }
  | { readonly type: 'sent'; readonly nowMs: number; readonly lastSeq: number | undefined }
  | { readonly type: 'ack'; readonly nowMs: number; readonly seq: number };

export type PublisherEffect =
  | { readonly type: 'connect' }
  | { readonly type: 'subscribe' }
  | { readonly type: 'publishOnline' }
  | { readonly type: 'publishOffline' }
  | { readonly type: 'disconnect' }
  | { readonly type: 'publishBatch'; readonly afterSeq: number; readonly maxReadings: number }
  /** Arm the one timer at this monotonic time (replacing any earlier), or disarm it. */
  | { readonly type: 'setTimer'; readonly atMs: number | undefined }
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string };

export interface Step {
  readonly state: PublisherState;
  readonly effects: PublisherEffect[];
}

export const INITIAL_PUBLISHER: PublisherState = Object.freeze({
  phase: 'stopped', attempt: 0, newestSeq: 0, ackedSeq: 0, sentSeq: 0, inFlight: [], sending: false, ackMisses: 0, retryAtMs: undefined, ackDueMs: undefined,
});

function timerAt(state: PublisherState): number | undefined {
  if (state.phase === 'backoff') return state.retryAtMs;
  if (state.phase === 'online') return state.ackDueMs;
  return undefined;
}

function ackTimeout(state: PublisherState, options: PublisherOptions): number {
  return options.ackTimeoutMs * 2 ** Math.min(state.ackMisses, 6);
}

/** Sends the next batch if the window allows. */
function pump(state: PublisherState, options: PublisherOptions, effects: PublisherEffect[]): PublisherState {
  if (state.phase !== 'online' || state.sending || state.inFlight.length >= options.window || state.sentSeq >= state.newestSeq) return state;
  effects.push({ type: 'publishBatch', afterSeq: state.sentSeq, maxReadings: options.maxBatch });
  return { ...state, sending: true };
}

/** Re-arms the timer when its time changed, and after every timer event (the shell's timer is one-shot). */
function finish(previous: PublisherState, state: PublisherState, effects: PublisherEffect[], timerFired: boolean): Step {
  const before = timerAt(previous);
  const after = timerAt(state);
  if (before !== after || (timerFired && after !== undefined)) effects.push({ type: 'setTimer', atMs: after });
  return { state, effects };
}

function lose(state: PublisherState, nowMs: number, reason: string, jitter: number, options: PublisherOptions, effects: PublisherEffect[]): PublisherState {
  const attempt = state.attempt + 1;
  const delay = backoffDelayMs(attempt, jitter, options.backoff);
  effects.push({ type: 'log', level: attempt > 1 ? 'info' : 'warn', message: `broker connection lost (${reason}); retry ${attempt} in ${Math.round(delay / 1000)} s` });
  return { ...state, phase: 'backoff', attempt, retryAtMs: nowMs + delay, inFlight: [], sending: false, sentSeq: state.ackedSeq, ackDueMs: undefined };
}

export function publisherStep(state: PublisherState, event: PublisherEvent, options: PublisherOptions = DEFAULT_PUBLISHER_OPTIONS): Step {
  const effects: PublisherEffect[] = [];
  let next = state;
  switch (event.type) {
    case 'start':
      if (state.phase !== 'stopped') break;
      next = { ...INITIAL_PUBLISHER, phase: 'connecting', newestSeq: event.newestSeq };
      effects.push({ type: 'connect' });
      break;
    case 'stop':
      if (state.phase === 'stopped') break;
      if (state.phase === 'online' || state.phase === 'subscribing') effects.push({ type: 'publishOffline' });
      if (state.phase !== 'backoff') effects.push({ type: 'disconnect' });
      next = { ...state, phase: 'stopped', inFlight: [], sending: false, retryAtMs: undefined, ackDueMs: undefined };
      break;
    case 'connected':
      if (state.phase !== 'connecting') break;
      next = { ...state, phase: 'subscribing' };
      effects.push({ type: 'subscribe' });
      break;
    case 'subscribed':
      if (state.phase !== 'subscribing') break;
      next = { ...state, phase: 'online', attempt: 0, sentSeq: state.ackedSeq, inFlight: [], sending: false, ackMisses: 0, ackDueMs: undefined };
      effects.push({ type: 'publishOnline' });
      next = pump(next, options, effects);
      break;
    case 'connectionLost':
      if (state.phase === 'stopped' || state.phase === 'backoff') break;
      next = lose(state, event.nowMs, event.reason, event.jitter, options, effects);
      break;
    case 'timer':
      if (state.phase === 'backoff' && state.retryAtMs !== undefined && event.nowMs >= state.retryAtMs) {
        next = { ...state, phase: 'connecting', retryAtMs: undefined };
        effects.push({ type: 'connect' });
      } else if (state.phase === 'online' && state.ackDueMs !== undefined && event.nowMs >= state.ackDueMs) {
        const misses = state.ackMisses + 1;
        effects.push({ type: 'log', level: 'warn', message: `no ack for readings up to ${state.inFlight[0]} within ${Math.round(ackTimeout(state, options) / 1000)} s; sending again from ${state.ackedSeq + 1}` });
        next = pump({ ...state, sentSeq: state.ackedSeq, inFlight: [], ackMisses: misses, ackDueMs: undefined }, options, effects);
      }
      break;
    case 'queued':
      next = pump({ ...state, newestSeq: Math.max(state.newestSeq, event.newestSeq) }, options, effects);
      break;
    case 'sent': {
      if (!state.sending) break;
      if (event.lastSeq === undefined) {
        next = { ...state, sending: false, sentSeq: state.newestSeq };
        break;
      }
      const inFlight = [...state.inFlight, event.lastSeq];
      next = { ...state, sending: false, sentSeq: event.lastSeq, inFlight, ackDueMs: state.ackDueMs ?? event.nowMs + ackTimeout(state, options) };
      next = pump(next, options, effects);
      break;
    }
    case 'ack': {
      if (event.seq <= state.ackedSeq) break;
      const inFlight = state.inFlight.filter((s) => s > event.seq);
      next = {
        ...state, ackedSeq: event.seq, sentSeq: Math.max(state.sentSeq, event.seq), inFlight, ackMisses: 0,
        ackDueMs: inFlight.length === 0 ? undefined : event.nowMs + options.ackTimeoutMs,
      };
      next = pump(next, options, effects);
      break;
    }
  }
  return finish(state, next, effects, event.type === 'timer');
}
