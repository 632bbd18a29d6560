/**
 * Progress of the simulated day: a bar redrawn in place on a terminal, or a plain line every
 * few simulated hours when the output is a pipe or a CI log.
 */

export interface ProgressSnapshot {
  readonly simNowMs: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Readings the meters signed / the gateways acknowledged (journaled), of the expected total. */
  readonly sealed: number;
  readonly acked: number;
  readonly expected: number;
  /** Intervals closed on the ledger, per intermediary name. */
  readonly closed: ReadonlyArray<readonly [string, number]>;
  readonly rejected: number;
}

export interface ProgressSink {
  update(snapshot: ProgressSnapshot): void;
  /** Ends the bar (a newline on a terminal). */
  end(): void;
}

const BAR_WIDTH = 28;

export function progressFraction(s: ProgressSnapshot): number {
  return Math.min(1, Math.max(0, (s.simNowMs - s.startMs) / (s.endMs - s.startMs)));
}

function clockText(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

export function progressLine(s: ProgressSnapshot, bar: boolean): string {
  const fraction = progressFraction(s);
  const filled = Math.round(fraction * BAR_WIDTH);
  const head = bar ? `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)} %` : `${String(Math.floor(fraction * 100)).padStart(3)} %`;
  const closed = s.closed.map(([name, n]) => `${name} ${n}`).join(', ');
  const rejected = s.rejected > 0 ? `  rejected ${s.rejected}` : '';
  return `${head}  ${clockText(Math.min(s.simNowMs, s.endMs))}  readings signed ${s.sealed}/${s.expected}, acked ${s.acked}  intervals closed ${closed}${rejected}`;
}

export function terminalProgress(out: NodeJS.WriteStream): ProgressSink {
  let last = '';
  return {
    update(s) {
      const line = progressLine(s, true).slice(0, Math.max(20, (out.columns || 120) - 1));
      if (line === last) return;
      last = line;
      out.write(`\r\x1b[2K${line}`);
    },
    end() {
      if (last !== '') out.write('\n');
      last = '';
    },
  };
}

/** One line per `stepHours` of simulated time, and the last one. */
export function plainProgress(write: (line: string) => void, stepHours = 3): ProgressSink {
  let nextMs: number | undefined;
  let pending: ProgressSnapshot | undefined;
  return {
    update(s) {
      nextMs ??= s.startMs + stepHours * 3_600_000;
      pending = s;
      if (s.simNowMs < nextMs) return;
      while (nextMs <= s.simNowMs) nextMs += stepHours * 3_600_000;
      write(progressLine(s, false));
      pending = undefined;
    },
    end() {
      if (pending !== undefined) write(progressLine(pending, false));
      pending = undefined;
    },
  };
}

export const silentProgress: ProgressSink = { update: () => undefined, end: () => undefined };
