/**
 * The pending timers of a host clock, kept in due order: earliest due time first, and timers
 * due at the same time in the order they were set. Both host clocks run their timers from one
 * of these, so "timers fire in due order" (hal/clock.ts) holds however late the host wakes.
 */
import type { TimerHandle } from './clock.js';

interface PendingTimer {
  readonly handle: TimerHandle;
  readonly dueMs: number;
  readonly callback: () => void;
}

export class TimerQueue {
  private timers: PendingTimer[] = [];
  private nextId = 1;

  /** Queues `callback` for monotonic time `dueMs`. */
  add(dueMs: number, callback: () => void): TimerHandle {
    const timer = { handle: { id: this.nextId++ }, dueMs, callback };
    // Meters set their next timer later than the ones pending, so the walk back is short.
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1]!.dueMs > dueMs) i--;
    this.timers.splice(i, 0, timer);
    return timer.handle;
  }

  /** Drops the timer; a handle already run or removed is ignored. */
  remove(handle: TimerHandle): void {
    const i = this.timers.findIndex((t) => t.handle === handle);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** The earliest due time pending, or undefined when none is. */
  nextDueMs(): number | undefined {
    return this.timers[0]?.dueMs;
  }

  /** Takes the earliest timer if it is due at or before `nowMs`. */
  takeDue(nowMs: number): { readonly dueMs: number; readonly callback: () => void } | undefined {
    const next = this.timers[0];
    if (next === undefined || next.dueMs > nowMs) return undefined;
    this.timers.shift();
    return next;
  }

  get size(): number {
    return this.timers.length;
  }
}
