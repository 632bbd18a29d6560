/**
 * Refuses an oversized MQTT packet before the broker buffers it. Reads only the fixed header
 * of each control packet (MQTT 3.1.1 §2.2, MQTT 5.0 §2.1.1): one byte of type and flags, then
 * the Remaining Length as a variable byte integer of at most four bytes (§2.2.3 / §1.5.5), and
 * skips that many bytes. A byte state machine fed any chunking of the stream.
 */

export type GuardEvent =
  | { readonly kind: 'ok' }
  /** A packet announced `length` bytes after its fixed header, more than the limit. */
  | { readonly kind: 'oversize'; readonly length: number }
  /** A Remaining Length longer than four bytes [MQTT-1.5.5]: not MQTT. */
  | { readonly kind: 'malformed' };

const OK: GuardEvent = Object.freeze({ kind: 'ok' });
const MAX_LENGTH_BYTES = 4;

export class PacketSizeGuard {
  private state: 'header' | 'length' | 'body' | 'failed' = 'header';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;
  private failure: GuardEvent = OK;

  /** @param maxRemainingLength largest Remaining Length accepted (variable header + payload). */
  constructor(private readonly maxRemainingLength: number) {
    if (!Number.isInteger(maxRemainingLength) || maxRemainingLength < 0) throw new RangeError('maxRemainingLength: non-negative integer expected');
  }

  /** Feeds the next bytes; once a failure is returned, every later call returns it again. */
  push(bytes: Uint8Array): GuardEvent {
    let i = 0;
    while (i < bytes.length) {
      switch (this.state) {
        case 'failed':
          return this.failure;
        case 'header':
          this.state = 'length';
          this.length = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          i++;
          break;
        case 'length': {
          const b = bytes[i++]!;
          this.length += (b & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          if ((b & 0x80) !== 0) {
            if (this.lengthBytes === MAX_LENGTH_BYTES) return this.fail({ kind: 'malformed' });
            break;
          }
          if (this.length > this.maxRemainingLength) return this.fail({ kind: 'oversize', length: this.length });
          this.remaining = this.length;
          this.state = this.remaining === 0 ? 'header' : 'body';
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, bytes.length - i);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = 'header';
          break;
        }
      }
    }
    return this.state === 'failed' ? this.failure : OK;
  }

  private fail(event: GuardEvent): GuardEvent {
    this.state = 'failed';
    this.failure = event;
    return event;
  }
}
