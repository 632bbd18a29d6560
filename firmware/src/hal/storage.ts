/**
 * Persistent storage seam: a small key/value store plus one append-only log (the flash
 * queue), both synchronous as on the device (ESP32 NVS via Moddable's Preference, a flash
 * partition).
 *
 * Durability contract, which the power-cut test relies on and every adapter's contract
 * test checks:
 *  - reads see every write made so far, flushed or not;
 *  - each put, delete, append and trim is atomic: never half a value or a torn record;
 *  - writes become durable in the order they were made, and `flush()` returns only when
 *    every earlier write is durable. After a power cut the store holds everything written
 *    before the last completed flush plus possibly a prefix of the later writes;
 *  - log indices are never reused: `append` returns `logEnd()` and increments it, even
 *    across trims and reopening.
 * Keys are at most 15 ASCII characters (the ESP32 NVS limit).
 */

export const MAX_KEY_LENGTH = 15;

export interface Storage {
  get(key: string): Uint8Array | undefined;
  put(key: string, value: Uint8Array): void;
  delete(key: string): void;
  /** Appends a record to the log; returns its index. */
  append(record: Uint8Array): number;
  /** Record at `index`, or undefined outside [logStart(), logEnd()). */
  readLog(index: number): Uint8Array | undefined;
  /** Index of the oldest record kept. */
  logStart(): number;
  /** Index the next append will get. */
  logEnd(): number;
  /** Drops every record with an index below `before`. */
  trimLog(before: number): void;
  /** Makes every earlier write durable. */
  flush(): void;
  close(): void;
}

export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new TypeError(`storage key must be 1..${MAX_KEY_LENGTH} printable ASCII characters, got ${JSON.stringify(key)}`);
  }
}

export function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new TypeError('storage value must be a Uint8Array');
}
