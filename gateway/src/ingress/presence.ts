/**
 * Which meters are online, from their retained status topic (DESIGN §4): the meter publishes
 * `{"state":"online","fw":"..."}` and sets a last will "offline" that the broker publishes
 * when the connection dies. Anything else on the topic leaves the meter's state unchanged.
 */
export type PresenceState = 'online' | 'offline';

/** Parses a status payload; undefined when it is neither form. */
export function parseStatus(payload: Uint8Array): { state: PresenceState; fw?: string } | undefined {
  if (payload.length === 0 || payload.length > 1024) return undefined;
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8').trim();
  if (text === 'offline' || text === '"offline"') return { state: 'offline' };
  if (text === 'online' || text === '"online"') return { state: 'online' };
  try {
    const value = JSON.parse(text) as { state?: unknown; fw?: unknown };
    if (typeof value !== 'object' || value === null) return undefined;
    if (value.state !== 'online' && value.state !== 'offline') return undefined;
    return typeof value.fw === 'string' ? { state: value.state, fw: value.fw } : { state: value.state };
  } catch {
    return undefined;
  }
}

export class Presence {
  private readonly online = new Set<string>();

  update(meterId: string, payload: Uint8Array): PresenceState | undefined {
    const status = parseStatus(payload);
    if (status === undefined) return undefined;
    if (status.state === 'online') this.online.add(meterId);
    else this.online.delete(meterId);
    return status.state;
  }

  isOnline(meterId: string): boolean {
    return this.online.has(meterId);
  }

  get count(): number {
    return this.online.size;
  }
}
