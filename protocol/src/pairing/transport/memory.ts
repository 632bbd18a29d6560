/**
 * An in-memory duplex link for tests and the fleet simulator: two endpoints, each sending
 * units (NDEF stream pieces or BLE attribute values) that the other drains. Synchronous and
 * timer-free: the caller decides when units move. An optional interceptor sees every unit in
 * transit and returns what is delivered instead (to drop, duplicate, split, replay or tamper).
 */

export type LinkSide = 'a' | 'b';

export interface MemoryEndpoint {
  readonly side: LinkSide;
  send(unit: Uint8Array): void;
  /** Units delivered to this endpoint since the last drain, in order. */
  drain(): Uint8Array[];
  readonly pending: number;
  /** Closes the link for both sides; later sends are dropped. */
  close(): void;
  readonly closed: boolean;
}

export type Interceptor = (unit: Uint8Array, from: LinkSide) => Uint8Array[];

export function memoryDuplex(interceptor?: Interceptor): { a: MemoryEndpoint; b: MemoryEndpoint } {
  const queues: Record<LinkSide, Uint8Array[]> = { a: [], b: [] };
  let closed = false;
  const endpoint = (side: LinkSide): MemoryEndpoint => {
    const other: LinkSide = side === 'a' ? 'b' : 'a';
    return {
      side,
      send(unit: Uint8Array): void {
        if (closed) return;
        const delivered = interceptor ? interceptor(unit.slice(), side) : [unit.slice()];
        queues[other].push(...delivered);
      },
      drain(): Uint8Array[] {
        return queues[side].splice(0, queues[side].length);
      },
      get pending(): number {
        return queues[side].length;
      },
      close(): void {
        closed = true;
      },
      get closed(): boolean {
        return closed;
      },
    };
  };
  return { a: endpoint('a'), b: endpoint('b') };
}
