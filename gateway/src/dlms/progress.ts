/** A one-line progress bar on a terminal (redrawn with CR); silent when the stream is not a TTY. */
export interface TextSink {
  write(text: string): unknown;
}

export class ProgressBar {
  readonly #sink: TextSink;
  readonly #enabled: boolean;
  readonly #label: string;
  #drawn = false;

  constructor(sink: TextSink, label: string, enabled: boolean) {
    this.#sink = sink;
    this.#label = label;
    this.#enabled = enabled;
  }

  /** `fraction` in 0..1 (an estimate; capped below 1 until `done`). */
  update(fraction: number, detail: string): void {
    if (!this.#enabled) return;
    const f = Math.max(0, Math.min(0.99, fraction));
    const width = 30;
    const filled = Math.round(f * width);
    this.#sink.write(`\r${this.#label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(2)}% ${detail}  `);
    this.#drawn = true;
  }

  done(detail: string): void {
    if (!this.#enabled) return;
    this.#sink.write(`${this.#drawn ? '\r' : ''}${this.#label} [${'#'.repeat(30)}] 100% ${detail}  \n`);
  }
}

export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}
