/**
 * Reconnect delay: exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential
 * Backoff and Jitter", 2015): half the capped exponential delay plus a random share of the
 * other half, so a fleet that lost its broker at the same instant does not return at once.
 */

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 1000, maxMs: 5 * 60_000 });

/** Delay before connection attempt number `attempt` (1 = first retry); `unit` in [0, 1). */
export function backoffDelayMs(attempt: number, unit: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.floor(exponential / 2 + unit * (exponential / 2));
}
