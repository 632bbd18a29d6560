/**
 * The DLMS bridge (DESIGN §6): per configured legacy meter, at each interval close, read the
 * load-profile entries captured since the last one used, turn each pair of consecutive entries
 * (cumulative energy registers) into an IntervalReading for the interval between them, flag it
 * GATEWAY_ATTESTED, chain it, sign the batch with the gateway's key and hand it on.
 *
 * A cursor per meter (last entry used, its register values, sequence number, hash of the last
 * reading, invocation counter) is saved only after the batch was handed on, so a failed handoff
 * re-reads the same entries next time and the sequence numbers never skip or repeat.
 */
import {
  MAX_BATCH_READINGS, NO_PRODUCTION_METHOD, readingHash, ReadingFlag, signReadings, ZERO_HASH, isMeterId,
  type IntervalReading, type MeterId, type Signer,
} from '@wattledger/protocol';
import {
  applyScaler, attributeRef, ClockStatus, CosemClass, decodeScalerUnit, formatObis, normalizeObis, ProfileError, Unit,
  type CaptureObject, type DlmsData, type ProfileRow,
} from '@wattledger/protocol/dlms';
import { withDlmsSession, type DlmsClientOptions } from './client.js';

export interface DlmsMeterConfig extends DlmsClientOptions {
  /** Operator's label, unique among the configured meters. */
  readonly name: string;
  /** The id the readings carry (16 hex digits), as registered for this meter. */
  readonly meterId: MeterId;
  /** Load profile to read (default 1.0.99.1.0.255). */
  readonly profile?: string;
  /** Cumulative import register captured in the profile (default 1.0.1.8.0.255); null if none. */
  readonly importRegister?: string | null;
  /** Cumulative export register captured in the profile (default 1.0.2.8.0.255); null if none. */
  readonly exportRegister?: string | null;
  readonly productionMethod?: number;
  /** How far back the first poll reads (default one day). */
  readonly backfillS?: number;
}

export interface PollCursor {
  /** Unix seconds of the last profile entry turned into (or used as the base of) a reading; absent before any. */
  readonly lastCaptured?: number | undefined;
  readonly importWh: number;
  readonly exportWh: number;
  /** Sequence number of the last reading issued (-1 before the first). */
  readonly seq: number;
  readonly prevHash: Uint8Array;
  /** Next client invocation counter, for ciphered associations. */
  readonly invocationCounter?: number | undefined;
}

export interface CursorStore {
  load(meter: string): PollCursor | undefined | Promise<PollCursor | undefined>;
  save(meter: string, cursor: PollCursor): void | Promise<void>;
}

export interface DlmsReadingBatch {
  readonly meter: string;
  readonly meterId: MeterId;
  /** COSE_Sign1 over the batch, signed by the gateway. */
  readonly signed: Uint8Array;
  readonly readings: readonly IntervalReading[];
}

export interface PollResult {
  readonly meter: string;
  readonly readings: number;
  /** Intervals that could not be attested (gaps, register decreases, misaligned entries). */
  readonly skipped: number;
  readonly error?: Error | undefined;
}

export interface DlmsPollerOptions {
  readonly meters: readonly DlmsMeterConfig[];
  /** The gateway's key. */
  readonly sign: Signer;
  readonly onReading: (batch: DlmsReadingBatch) => void | Promise<void>;
  readonly cursors?: CursorStore;
  readonly now?: () => number;
  /** Seconds after an interval closes before it is polled (default 120). */
  readonly graceS?: number;
  /** Interval used for scheduling before a meter's capture period is known (default 900). */
  readonly intervalS?: number;
  readonly onError?: (meter: string, error: Error) => void;
  /** Told the result of every poll, scheduled or not (metrics). */
  readonly onPolled?: (result: PollResult) => void;
}

export interface DlmsPoller {
  pollMeter(name: string): Promise<PollResult>;
  pollAll(): Promise<PollResult[]>;
  start(): void;
  stop(): Promise<void>;
}

export function memoryCursorStore(): CursorStore & { readonly cursors: Map<string, PollCursor> } {
  const cursors = new Map<string, PollCursor>();
  return { cursors, load: (m) => cursors.get(m), save: (m, c) => void cursors.set(m, c) };
}

const sameColumn = (c: CaptureObject, obis: string): boolean => c.classId === CosemClass.REGISTER && c.attribute === 2 && formatObis(c.obis) === obis;

function numberOf(value: DlmsData | undefined): number | undefined {
  return value !== undefined && 'value' in value && typeof value.value === 'number' ? value.value : undefined;
}

function clockFlags(row: ProfileRow, clockIndex: number): number {
  const clock = row.values[clockIndex];
  if (clock?.type !== 'octet-string' || clock.value.length !== 12) return 0;
  const status = clock.value[11]!;
  return status !== 0xff && (status & (ClockStatus.INVALID_VALUE | ClockStatus.DOUBTFUL_VALUE)) !== 0 ? ReadingFlag.CLOCK_UNSYNCED : 0;
}

export function createDlmsPoller(options: DlmsPollerOptions): DlmsPoller {
  const names = new Set<string>();
  for (const m of options.meters) {
    if (names.has(m.name)) throw new TypeError(`DLMS meter name "${m.name}" is used twice`);
    if (!isMeterId(m.meterId)) throw new TypeError(`DLMS meter "${m.name}": meterId must be 16 lower-case hex digits`);
    names.add(m.name);
  }
  const cursors = options.cursors ?? memoryCursorStore();
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const running = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = true;
  let current: Promise<unknown> = Promise.resolve();

  async function poll(meter: DlmsMeterConfig): Promise<PollResult> {
    const cursor = await cursors.load(meter.name);
    const profile = normalizeObis(meter.profile ?? '1.0.99.1.0.255');
    const importObis = meter.importRegister === null ? undefined : normalizeObis(meter.importRegister ?? '1.0.1.8.0.255');
    const exportObis = meter.exportRegister === null ? undefined : normalizeObis(meter.exportRegister ?? '1.0.2.8.0.255');
    const security = meter.association?.security;
    const association = security && cursor?.invocationCounter !== undefined ? { ...meter.association, security: { ...security, invocationCounter: cursor.invocationCounter } } : meter.association;
    const to = now();
    let invocationCounter: number | undefined;
    const read = await withDlmsSession({ ...meter, association }, async (session) => {
      try {
        const layout = await session.profileLayout(profile);
        const registers = [importObis, exportObis].filter((o): o is string => o !== undefined);
        const scalers = await session.getWithList(registers.map((o) => ({ attribute: attributeRef(CosemClass.REGISTER, o, 3) })));
        const factor = new Map<string, number>();
        registers.forEach((o, i) => {
          const result = scalers[i]!;
          if (result.error !== undefined) throw new ProfileError('DLMS_PROFILE_BAD_BUFFER', `${meter.name}: scaler_unit of ${o} unreadable (data-access-result ${result.error})`);
          const su = decodeScalerUnit(result.data);
          if (su.unit !== Unit.WATT_HOUR) throw new ProfileError('DLMS_PROFILE_BAD_BUFFER', `${meter.name}: ${o} is not in Wh (unit ${su.unit})`);
          factor.set(o, applyScaler(1, su.scaler));
        });
        // The first poll starts on an entry boundary, so the entry opening the window is the base.
        const back = to - (meter.backfillS ?? 86400);
        const from = cursor?.lastCaptured ?? back - (((back % layout.capturePeriod) + layout.capturePeriod) % layout.capturePeriod);
        const reading = await session.readProfile(profile, { from, to });
        return { layout, reading, factor };
      } finally {
        invocationCounter = session.invocationCounter;
      }
    });
    const { reading, factor } = read;
    const period = reading.capturePeriod;
    const column = (obis: string | undefined): number => {
      if (obis === undefined) return -1;
      const i = reading.columns.findIndex((c) => sameColumn(c, obis));
      if (i < 0) throw new ProfileError('DLMS_PROFILE_BAD_BUFFER', `${meter.name}: profile ${profile} does not capture ${obis}`);
      return i;
    };
    const importIndex = column(importObis);
    const exportIndex = column(exportObis);
    const clockIndex = reading.columns.findIndex((c) => c.classId === CosemClass.CLOCK);
    const valueWh = (row: ProfileRow, index: number, obis: string | undefined): number | undefined => {
      if (index < 0) return 0;
      const raw = numberOf(row.values[index]);
      return raw === undefined ? undefined : raw * factor.get(obis!)!;
    };

    let base = cursor?.lastCaptured === undefined ? undefined : { t: cursor.lastCaptured, importWh: cursor.importWh, exportWh: cursor.exportWh };
    let seq = cursor?.seq ?? -1;
    let prevHash = cursor?.prevHash ?? ZERO_HASH;
    let skipped = 0;
    const readings: IntervalReading[] = [];
    const rows = reading.rows.filter((r) => r.timestamp !== undefined).sort((a, b) => a.timestamp! - b.timestamp!);
    for (const row of rows) {
      const t = row.timestamp!;
      const importWh = valueWh(row, importIndex, importObis);
      const exportWh = valueWh(row, exportIndex, exportObis);
      if (importWh === undefined || exportWh === undefined) {
        skipped++;
        continue;
      }
      if (base !== undefined && t <= base.t) continue;
      if (base !== undefined) {
        const dImport = Math.round(importWh - base.importWh);
        const dExport = Math.round(exportWh - base.exportWh);
        const aligned = base.t % period === 0 && 86400 % period === 0;
        if (t - base.t === period && aligned && dImport >= 0 && dExport >= 0) {
          const r: IntervalReading = {
            version: 1, meterId: meter.meterId, seq: ++seq, intervalStart: base.t, intervalLength: period, importedWh: dImport, exportedWh: dExport,
            flags: ReadingFlag.GATEWAY_ATTESTED | clockFlags(row, clockIndex), productionMethod: meter.productionMethod ?? NO_PRODUCTION_METHOD, prevHash,
          };
          prevHash = readingHash(r);
          readings.push(r);
        } else {
          skipped += Math.max(1, Math.round((t - base.t) / period));
        }
      }
      base = { t, importWh, exportWh };
    }
    try {
      for (let i = 0; i < readings.length; i += MAX_BATCH_READINGS) {
        const batch = readings.slice(i, i + MAX_BATCH_READINGS);
        await options.onReading({ meter: meter.name, meterId: meter.meterId, signed: signReadings(batch, options.sign), readings: batch });
      }
    } catch (error) {
      // Keep the position (the entries are read again) but never reuse an invocation counter.
      await cursors.save(meter.name, { lastCaptured: undefined, importWh: 0, exportWh: 0, seq: -1, prevHash: ZERO_HASH, ...cursor, invocationCounter });
      throw error;
    }
    if (base !== undefined) await cursors.save(meter.name, { lastCaptured: base.t, importWh: base.importWh, exportWh: base.exportWh, seq, prevHash, invocationCounter });
    else await cursors.save(meter.name, { lastCaptured: undefined, importWh: 0, exportWh: 0, seq, prevHash, ...cursor, invocationCounter });
    return { meter: meter.name, readings: readings.length, skipped };
  }

  async function pollMeter(name: string): Promise<PollResult> {
    const meter = options.meters.find((m) => m.name === name);
    if (meter === undefined) throw new TypeError(`no DLMS meter named "${name}"`);
    if (running.has(name)) return { meter: name, readings: 0, skipped: 0, error: new Error(`a poll of ${name} is already running`) };
    running.add(name);
    let result: PollResult;
    try {
      result = await poll(meter);
    } catch (error) {
      options.onError?.(name, error as Error);
      result = { meter: name, readings: 0, skipped: 0, error: error as Error };
    } finally {
      running.delete(name);
    }
    options.onPolled?.(result);
    return result;
  }

  async function pollAll(): Promise<PollResult[]> {
    const results: PollResult[] = [];
    for (const m of options.meters) results.push(await pollMeter(m.name));
    return results;
  }

  const schedule = (): void => {
    if (stopped) return;
    const interval = options.intervalS ?? 900;
    const t = now();
    let at = t - (t % interval) + (options.graceS ?? 120);
    while (at <= t) at += interval;
    timer = setTimeout(() => {
      current = pollAll().finally(schedule);
    }, (at - t) * 1000);
  };

  return {
    pollMeter,
    pollAll,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await current;
    },
  };
}
