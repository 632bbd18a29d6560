/** The publish state machine (core/publisher.ts): pure transitions. */
import fc from 'fast-check';
import t from 'tap';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../src/core/backoff.js';
import { DEFAULT_PUBLISHER_OPTIONS, INITIAL_PUBLISHER, publisherStep, type PublisherEffect, type PublisherEvent, type PublisherState } from '../src/core/publisher.js';

const options = { ...DEFAULT_PUBLISHER_OPTIONS, window: 2, maxBatch: 10, ackTimeoutMs: 1000 };
function play(events: PublisherEvent[], state: PublisherState = INITIAL_PUBLISHER): { state: PublisherState; effects: PublisherEffect[] } {
  const effects: PublisherEffect[] = [];
  for (const e of events) {
    const step = publisherStep(state, e, options);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}
const kinds = (effects: PublisherEffect[]) => effects.filter((e) => e.type !== 'log').map((e) => (e.type === 'publishBatch' ? `batch>${e.afterSeq}` : e.type === 'setTimer' ? `timer@${e.atMs}` : e.type));
const online = (newestSeq: number): PublisherEvent[] => [{ type: 'start', nowMs: 0, newestSeq }, { type: 'connected', nowMs: 1 }, { type: 'subscribed', nowMs: 2 }];

t.test('backoff: exponential, capped, with equal jitter', async (t) => {
  t.equal(backoffDelayMs(1, 0), 500);
  t.equal(backoffDelayMs(1, 0.999999), 999);
  t.equal(backoffDelayMs(4, 0), 4000);
  t.equal(backoffDelayMs(40, 0.5), Math.floor(DEFAULT_BACKOFF.maxMs * 0.75));
  fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (attempt, u) => {
    const d = backoffDelayMs(attempt, u);
    const cap = Math.min(DEFAULT_BACKOFF.maxMs, 1000 * 2 ** (attempt - 1));
    return d >= cap / 2 - 1 && d <= cap;
  }));
});

t.test('connect, subscribe, announce online, then send oldest first within the window', async (t) => {
  const { state, effects } = play([...online(30), { type: 'sent', nowMs: 3, lastSeq: 10 }, { type: 'sent', nowMs: 4, lastSeq: 20 }]);
  t.same(kinds(effects), ['connect', 'subscribe', 'publishOnline', 'batch>0', 'batch>10', 'timer@1003']);
  t.same(state.inFlight, [10, 20], 'two batches await an ack: the window is full');
  const acked = play([{ type: 'ack', nowMs: 5, seq: 10 }], state);
  t.same(kinds(acked.effects), ['batch>20', 'timer@1005']);
  t.same(acked.state.inFlight, [20]);
});

t.test('no ack in time: go back to the last ack and send again, waiting longer each time', async (t) => {
  let { state } = play([...online(5), { type: 'sent', nowMs: 3, lastSeq: 5 }]);
  const first = play([{ type: 'timer', nowMs: 1003 }], state);
  t.same(kinds(first.effects), ['batch>0', 'timer@undefined']);
  t.equal(first.effects.find((e) => e.type === 'log')?.type, 'log');
  state = play([{ type: 'sent', nowMs: 1004, lastSeq: 5 }], first.state).state;
  t.equal(state.ackDueMs, 1004 + 2000, 'the second wait is twice as long');
});

t.test('connection loss: backoff with jitter, everything unacked is sent again after reconnect', async (t) => {
  const { state } = play([...online(5), { type: 'sent', nowMs: 3, lastSeq: 5 }, { type: 'connectionLost', nowMs: 10, reason: 'broker gone', jitter: 0 }]);
  t.equal(state.phase, 'backoff');
  t.equal(state.retryAtMs, 10 + 500);
  const early = play([{ type: 'timer', nowMs: 400 }], state);
  t.equal(early.state.phase, 'backoff', 'a timer before the retry time does nothing');
  const failedAgain = play([{ type: 'timer', nowMs: 510 }, { type: 'connectionLost', nowMs: 520, reason: 'refused', jitter: 0 }], state);
  t.equal(failedAgain.state.retryAtMs, 520 + 1000, 'the second retry waits twice as long');
  const back = play([{ type: 'timer', nowMs: 510 }, { type: 'connected', nowMs: 511 }, { type: 'subscribed', nowMs: 512 }], state);
  t.same(kinds(back.effects).filter((k) => k !== 'timer@undefined'), ['connect', 'subscribe', 'publishOnline', 'batch>0']);
  t.equal(back.state.attempt, 0);
});

t.test('stop: offline status and a graceful disconnect; events after stop do nothing', async (t) => {
  const { state, effects } = play([...online(0), { type: 'stop', nowMs: 9 }]);
  t.same(kinds(effects), ['connect', 'subscribe', 'publishOnline', 'publishOffline', 'disconnect']);
  const after = play([{ type: 'connectionLost', nowMs: 10, reason: 'x', jitter: 0 }, { type: 'queued', nowMs: 11, newestSeq: 4 }], state);
  t.same(kinds(after.effects), []);
});

t.test('newly queued readings are sent while online; a stale ack is ignored', async (t) => {
  const { state, effects } = play([...online(0), { type: 'queued', nowMs: 5, newestSeq: 1 }, { type: 'sent', nowMs: 5, lastSeq: 1 }, { type: 'ack', nowMs: 6, seq: 1 }, { type: 'ack', nowMs: 7, seq: 1 }]);
  t.same(kinds(effects), ['connect', 'subscribe', 'publishOnline', 'batch>0', 'timer@1005', 'timer@undefined']);
  t.equal(state.ackedSeq, 1);
});
