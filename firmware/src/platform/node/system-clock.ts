/**
 * The host's clock, optionally running faster than real time for simulation: at speed 600
 * a 30-minute interval passes in 3 s. Wall time starts at `startMs` (default: now) and
 * advances `speed` times faster than the host's monotonic clock; timers are scaled the same
 * way. One instance can drive many virtual meters.
 */
import type { Clock, TimerHandle } from '../../hal/clock.js';
import { TimerQueue } from '../../hal/timer-queue.js';

export interface SystemClockOptions {
  /** Simulated milliseconds per real millisecond (default 1). */
  readonly speed?: number;
  /** Wall time at creation, Unix ms (default: the host's time). */
  readonly startMs?: number;
  readonly synced?: boolean;
}

export class SystemClock implements Clock {
  readonly speed: number;
  private readonly startMs: number;
  private readonly origin = performance.now();
  private synced: boolean;
  private readonly timers = new TimerQueue();
  /** The one host timer, armed for the earliest pending deadline. */
  private wake: ReturnType<typeof setTimeout> | undefined;
  private wakeDueMs = Infinity;

  constructor(options: SystemClockOptions = {}) {
    const speed = options.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`SystemClock: speed must be a positive number, got ${speed}`);
    this.speed = speed;
    this.startMs = options.startMs ?? Date.now();
    this.synced = options.synced ?? true;
  }

  nowMs(): number {
    return Math.floor(this.startMs + this.monotonicExact());
  }

  monotonicMs(): number {
    return Math.floor(this.monotonicExact());
  }

  isSynced(): boolean {
    return this.synced;
  }

  setSynced(synced: boolean): void {
    this.synced = synced;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const handle = this.timers.add(this.monotonicMs() + Math.max(0, delayMs), callback);
    this.arm();
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.remove(handle);
    this.arm();
  }

  /**
   * One host timer for the earliest deadline. Host timers have whole-millisecond resolution
   * and measure from libuv's cached loop time, so they can wake a little early on this
   * clock: then nothing is due yet and the timer is armed again for what is left.
   */
  private arm(): void {
    const due = this.timers.nextDueMs();
    if (due === this.wakeDueMs) return;
    clearTimeout(this.wake);
    this.wake = undefined;
    this.wakeDueMs = due ?? Infinity;
    if (due === undefined) return;
    this.wake = setTimeout(() => this.runDue(), Math.ceil(Math.max(0, due - this.monotonicExact()) / this.speed));
  }

  private runDue(): void {
    this.wake = undefined;
    this.wakeDueMs = Infinity;
    // Up to the time of this wake only: a timer its callbacks set, due before they finish, runs
    // on the next wake, so a fast clock still yields to I/O between wakes.
    const now = this.monotonicMs();
    try {
      for (let next = this.timers.takeDue(now); next !== undefined; next = this.timers.takeDue(now)) next.callback();
    } finally {
      this.arm();
    }
  }

  private monotonicExact(): number {
    return (performance.now() - this.origin) * this.speed;
  }
}
