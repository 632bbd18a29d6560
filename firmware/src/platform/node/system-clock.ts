/**
 * The host's clock, optionally running faster than real time for simulation: at speed 600
 * a 30-minute interval passes in 3 s. Wall time starts at `startMs` (default: now) and
 * advances `speed` times faster than the host's monotonic clock; timers are scaled the same
 * way. One instance can drive many virtual meters.
 */
import type { Clock, TimerHandle } from '../../hal/clock.js';

export interface SystemClockOptions {
  /** Simulated milliseconds per real millisecond (default 1). */
  readonly speed?: number;
  /** Wall time at creation, Unix ms (default: the host's time). */
  readonly startMs?: number;
  readonly synced?: boolean;
}

interface NodeTimerHandle extends TimerHandle {
  timeout: ReturnType<typeof setTimeout>;
}

export class SystemClock implements Clock {
  readonly speed: number;
  private readonly startMs: number;
  private readonly origin = performance.now();
  private synced: boolean;
  private nextId = 1;

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
    const handle = { id: this.nextId++ } as NodeTimerHandle;
    const deadline = this.monotonicMs() + Math.max(0, delayMs);
    // Host timers have whole-millisecond resolution and measure from libuv's cached loop time,
    // so they can fire a little before `deadline` on our clock: re-arm for what is left.
    const arm = (remainingMs: number): void => {
      handle.timeout = setTimeout(() => {
        const left = deadline - this.monotonicMs();
        if (left > 0) arm(left);
        else callback();
      }, Math.ceil(remainingMs / this.speed));
    };
    arm(Math.max(0, delayMs));
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout((handle as NodeTimerHandle).timeout);
  }

  private monotonicExact(): number {
    return (performance.now() - this.origin) * this.speed;
  }
}
