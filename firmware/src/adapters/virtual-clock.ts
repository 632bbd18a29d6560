/**
 * A clock that moves only when told to: tests and fast simulations advance it, and due
 * timers run in order, each seeing the clock at its own due time. Wall time can be stepped
 * (as SNTP would) and marked unsynchronised independently of the monotonic time base.
 */
import type { Clock, TimerHandle } from '../hal/clock.js';
import { TimerQueue } from '../hal/timer-queue.js';

export interface VirtualClockOptions {
  /** Wall time at monotonic 0, Unix ms. */
  readonly startMs: number;
  readonly synced?: boolean;
}

export class VirtualClock implements Clock {
  private monotonic = 0;
  private wallOffsetMs: number;
  private synced: boolean;
  private readonly timers = new TimerQueue();

  constructor(options: VirtualClockOptions) {
    if (!Number.isFinite(options.startMs)) throw new TypeError('VirtualClock: startMs must be a finite number');
    this.wallOffsetMs = options.startMs;
    this.synced = options.synced ?? true;
  }

  nowMs(): number {
    return this.wallOffsetMs + this.monotonic;
  }

  monotonicMs(): number {
    return this.monotonic;
  }

  isSynced(): boolean {
    return this.synced;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    return this.timers.add(this.monotonic + Math.max(0, delayMs), callback);
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.remove(handle);
  }

  /** Advances monotonic (and wall) time by `ms`, running due timers in order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('VirtualClock.advance: non-negative duration expected');
    const target = this.monotonic + ms;
    for (let next = this.timers.takeDue(target); next !== undefined; next = this.timers.takeDue(target)) {
      this.monotonic = next.dueMs;
      next.callback();
    }
    this.monotonic = target;
  }

  /** Steps wall time by `deltaMs` (an SNTP correction); monotonic time is unaffected. */
  stepWall(deltaMs: number): void {
    this.wallOffsetMs += deltaMs;
  }

  setSynced(synced: boolean): void {
    this.synced = synced;
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}
