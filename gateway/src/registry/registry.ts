/**
 * The meters of this gateway's intermediary, as registered on the ledger (DESIGN §7
 * register-meter): public key, role, production method, rated power, and the ledger's view of
 * each chain (last sequence number and reading hash). Replaced wholesale on every sync.
 */
import { fromHex, isMeterId, isPartyId, meterIdFromPublicKey, partyIdFromPublicKey, MeterRole, NO_PRODUCTION_METHOD, productionMethodByCode, productionMethodByName } from '@wattledger/protocol';

export interface MeterRecord {
  readonly id: string;
  /** The key its readings verify under: the meter's own, or for a gateway-attested meter the attesting gateway's. */
  readonly publicKey: Uint8Array;
  /** A legacy (DLMS) meter whose readings gateway `attestedBy` makes and signs; its id derives from no key. */
  readonly attestedBy?: string | undefined;
  readonly role: MeterRole;
  readonly intermediary: string;
  readonly productionMethod: number;
  readonly ratedPowerW: number;
  /** The ledger's chain head for this meter, if it has applied any reading. */
  readonly lastSeq: number | undefined;
  readonly lastReadingHash: Uint8Array | undefined;
}

export interface ParsedMeterList {
  readonly meters: MeterRecord[];
  /** One line per entry that was skipped. */
  readonly problems: string[];
}

function field(entry: Record<string, unknown>, name: string): unknown {
  return entry[name];
}

function parseMethod(value: unknown): number | undefined {
  if (typeof value === 'number') return value === NO_PRODUCTION_METHOD || productionMethodByCode(value) ? value : undefined;
  if (typeof value === 'string') return productionMethodByName(value)?.code;
  if (value === null || value === undefined) return NO_PRODUCTION_METHOD;
  return undefined;
}

function parseMeter(entry: unknown): MeterRecord | string {
  if (typeof entry !== 'object' || entry === null) return 'not an object';
  const e = entry as Record<string, unknown>;
  const id = field(e, 'id') ?? field(e, 'meterId');
  if (!isMeterId(id)) return `invalid id ${JSON.stringify(id)}`;
  const keyHex = field(e, 'publicKey');
  if (typeof keyHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(keyHex)) return `meter ${id}: publicKey must be 64 hex digits`;
  const publicKey = fromHex(keyHex);
  const attestedBy = field(e, 'attestedBy') ?? undefined;
  if (attestedBy !== undefined && !isPartyId(attestedBy)) return `meter ${id}: attestedBy must be a party id (16 hex digits)`;
  if (attestedBy !== undefined && partyIdFromPublicKey(publicKey) !== attestedBy) return `meter ${id}: publicKey is not the key of its attesting gateway ${attestedBy}`;
  if (attestedBy === undefined && meterIdFromPublicKey(publicKey) !== id) return `meter ${id}: id is not derived from its publicKey`;
  const role = field(e, 'role');
  if (role !== MeterRole.PRODUCER && role !== MeterRole.CONSUMER) return `meter ${id}: role must be producer or consumer`;
  const productionMethod = parseMethod(field(e, 'productionMethod'));
  if (productionMethod === undefined) return `meter ${id}: unknown productionMethod ${JSON.stringify(field(e, 'productionMethod'))}`;
  const ratedPowerW = field(e, 'ratedPowerW');
  if (typeof ratedPowerW !== 'number' || !Number.isSafeInteger(ratedPowerW) || ratedPowerW < 0) return `meter ${id}: ratedPowerW must be a non-negative integer`;
  const intermediary = field(e, 'intermediary');
  if (typeof intermediary !== 'string') return `meter ${id}: intermediary missing`;
  const lastSeq = field(e, 'lastSeq');
  const lastHashHex = field(e, 'lastReadingHash');
  const hasHead = typeof lastSeq === 'number' && Number.isSafeInteger(lastSeq) && lastSeq >= 0 && typeof lastHashHex === 'string' && /^[0-9a-fA-F]{64}$/.test(lastHashHex);
  return {
    id,
    publicKey,
    attestedBy,
    role,
    intermediary,
    productionMethod,
    ratedPowerW,
    lastSeq: hasHead ? (lastSeq as number) : undefined,
    lastReadingHash: hasHead ? fromHex(lastHashHex as string) : undefined,
  };
}

/** Parses the ledger's `GET /v1/meters` answer: an array, or an object with a `meters` array. */
export function parseMeterList(json: unknown): ParsedMeterList {
  const list = Array.isArray(json) ? json : typeof json === 'object' && json !== null && Array.isArray((json as { meters?: unknown }).meters) ? (json as { meters: unknown[] }).meters : undefined;
  if (list === undefined) return { meters: [], problems: ['answer is neither an array nor { meters: [...] }'] };
  const meters: MeterRecord[] = [];
  const problems: string[] = [];
  for (const entry of list) {
    const parsed = parseMeter(entry);
    if (typeof parsed === 'string') problems.push(parsed);
    else meters.push(parsed);
  }
  return { meters, problems };
}

export class MeterRegistry {
  private meters = new Map<string, MeterRecord>();
  private syncedAt: number | undefined;

  get(meterId: string): MeterRecord | undefined {
    return this.meters.get(meterId);
  }

  get size(): number {
    return this.meters.size;
  }

  /** When the last successful sync finished (ms), if any. */
  get lastSync(): number | undefined {
    return this.syncedAt;
  }

  replace(meters: readonly MeterRecord[], at: number): void {
    this.meters = new Map(meters.map((m) => [m.id, m]));
    this.syncedAt = at;
  }

  /** Adds or updates one meter (e.g. registered by this gateway's pairing registrar) without a full sync. */
  upsert(meter: MeterRecord): void {
    this.meters.set(meter.id, meter);
  }

  all(): IterableIterator<MeterRecord> {
    return this.meters.values();
  }
}
