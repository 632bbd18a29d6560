/**
 * Clock on Moddable XS: Time.ticks (ms since boot) as the monotonic base, Date.now() as wall
 * time, set by SNTP (RFC 4330) through Moddable's SNTP module; Timer for one-shot timers.
 */
import SNTP from 'sntp';
import Time from 'time';
import Timer from 'timer';
import type { Clock, TimerHandle } from '../../hal/clock.js';

interface XsTimerHandle extends TimerHandle {
  timer: object | undefined;
}

export class SntpClock implements Clock {
  private synced = false;
  private nextId = 1;

  /** Starts SNTP against `host`; wall time counts as synchronised from its first answer. */
  constructor(host: string) {
    new SNTP({ host }, (message, value) => {
      if (message === SNTP.time && value !== undefined) {
        Time.set(value);
        this.synced = true;
      }
    });
  }

  nowMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return Time.ticks;
  }

  isSynced(): boolean {
    return this.synced;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const handle: XsTimerHandle = { id: this.nextId++, timer: undefined };
    handle.timer = Timer.set(() => {
      handle.timer = undefined;
      callback();
    }, Math.max(0, Math.ceil(delayMs)));
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    const h = handle as XsTimerHandle;
    if (h.timer !== undefined) Timer.clear(h.timer);
    h.timer = undefined;
  }
}
