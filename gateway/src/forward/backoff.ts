/** An abortable sleep and a capped exponential backoff, for the ledger loops. */

export class Sleeper {
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
    });
  }

  /** Ends the current sleep early. */
  interrupt(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

export class Backoff {
  private current: number;
  constructor(private readonly minMs: number, private readonly maxMs: number) {
    this.current = minMs;
  }

  next(): number {
    const delay = this.current;
    this.current = Math.min(this.current * 2, this.maxMs);
    return delay;
  }

  reset(): void {
    this.current = this.minMs;
  }
}
