/**
 * Clock seam: UTC wall time (which may be unsynchronised or stepped by SNTP), a monotonic
 * time base that never steps, and one-shot timers in monotonic milliseconds. Modelled on
 * Moddable's `Timer.set(callback, ms)` / `Timer.clear(id)` and the SNTP module.
 */

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** UTC wall time as the device believes it, Unix milliseconds. */
  nowMs(): number;
  /** Milliseconds since boot; never steps backwards or jumps. */
  monotonicMs(): number;
  /** True once wall time has been synchronised (SNTP, GPS, RTC with a valid date). */
  isSynced(): boolean;
  /** Calls `callback` once after `delayMs` of monotonic time. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}
