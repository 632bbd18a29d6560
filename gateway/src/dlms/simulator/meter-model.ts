/**
 * The COSEM objects of the simulated meter (Blue Book classes 1, 3, 7, 8, 15): logical device
 * name, serial number, invocation counter, clock, two energy registers and a 15-minute load
 * profile whose entries follow a deterministic household-with-solar curve, so a test can
 * compute what the meter must answer.
 */
import {
  captureObject, CLOCK_CAPTURE_OBJECT, CosemClass, Data, dateTimeFromUnix, encodeCaptureObjects, encodeDateTime, encodeScalerUnit, parseObis,
  Unit, type CaptureObject, type DlmsData, type HdlcParameters, type SecurityKeys,
} from '@wattledger/protocol/dlms';

export type ClientPolicy = 'none' | 'lls' | 'hls-gmac';

export interface SimulatedMeterOptions {
  readonly serialNumber?: string;
  /** Server system title (8 bytes). */
  readonly systemTitle?: Uint8Array;
  readonly keys?: SecurityKeys;
  /** LLS secret. */
  readonly password?: string;
  /** Client SAP -> authentication it must use. Default: 16 none, 32 LLS, 48 and 1 HLS-GMAC. */
  readonly clients?: Readonly<Record<number, ClientPolicy>>;
  /** Wall clock in Unix seconds (tests inject a fixed one). */
  readonly now?: () => number;
  /** Clock deviation in minutes (UTC = local + deviation). */
  readonly deviation?: number;
  readonly capturePeriod?: number;
  /** Time of the first profile entry (aligned to the capture period). */
  readonly profileStart?: number;
  /** Depth of the profile buffer (oldest entries drop out). */
  readonly profileEntries?: number;
  /** Largest APDU the meter receives and sends (its server_max_receive_pdu_size). */
  readonly maxPduSize?: number;
  /** HDLC capability (max information field, window). */
  readonly hdlc?: HdlcParameters;
  /** Send null in the clock column of equidistant entries (buffer compression). */
  readonly nullTimestamps?: boolean;
  /** Never answer anything (a meter that is off or miswired). */
  readonly silent?: boolean;
}

export const SIMULATOR_DEFAULTS = Object.freeze({
  serialNumber: '12345678',
  systemTitle: Uint8Array.of(0x57, 0x4c, 0x53, 0x00, 0x00, 0xbc, 0x61, 0x4e),
  password: '00000000',
  clients: Object.freeze({ 16: 'none', 32: 'lls', 48: 'hls-gmac', 1: 'hls-gmac' }) as Readonly<Record<number, ClientPolicy>>,
  capturePeriod: 900,
  profileEntries: 2880,
  maxPduSize: 1024,
});

export const OBJECTS = Object.freeze({
  ASSOCIATION: '0.0.40.0.0.255',
  LOGICAL_DEVICE_NAME: '0.0.42.0.0.255',
  SERIAL_NUMBER: '0.0.96.1.0.255',
  INVOCATION_COUNTER: '0.0.43.1.0.255',
  CLOCK: '0.0.1.0.0.255',
  ENERGY_IMPORT: '1.0.1.8.0.255',
  ENERGY_EXPORT: '1.0.2.8.0.255',
  LOAD_PROFILE: '1.0.99.1.0.255',
});

/** Energy of interval k (of the Unix epoch at the capture period), in Wh: a load plus a solar bell. */
export function intervalEnergy(k: number, period: number): { importWh: number; exportWh: number } {
  const hour = ((k * period) % 86400) / 3600;
  const importWh = 40 + ((k * 7919) % 61) + (hour >= 18 && hour < 22 ? 60 : 0);
  const exportWh = hour >= 6 && hour < 18 ? Math.round(150 * Math.sin((Math.PI * (hour - 6)) / 12)) + (k % 5) : 0;
  return { importWh, exportWh };
}

/** One row of the load profile. */
export interface ProfileEntry {
  readonly timestamp: number;
  /** Cumulative registers at the entry's time, in Wh. */
  readonly importWh: number;
  readonly exportWh: number;
}

export class MeterModel {
  readonly options: SimulatedMeterOptions;
  readonly serialNumber: string;
  readonly systemTitle: Uint8Array;
  readonly capturePeriod: number;
  readonly profileStart: number;
  readonly columns: readonly CaptureObject[];
  /** Next invocation counter the meter uses for ciphered APDUs it sends. */
  invocationCounter = 1;
  /** Highest invocation counter seen from any client (a ciphered request must exceed it). */
  lastClientInvocationCounter = 0;
  #clockOffset = 0;
  #cumulative: Array<{ importWh: number; exportWh: number }> = [{ importWh: 100_000, exportWh: 20_000 }];

  constructor(options: SimulatedMeterOptions = {}) {
    this.options = options;
    this.serialNumber = options.serialNumber ?? SIMULATOR_DEFAULTS.serialNumber;
    this.systemTitle = options.systemTitle ?? SIMULATOR_DEFAULTS.systemTitle;
    this.capturePeriod = options.capturePeriod ?? SIMULATOR_DEFAULTS.capturePeriod;
    const now = this.now();
    const start = options.profileStart ?? now - 7 * 86400;
    this.profileStart = start - (start % this.capturePeriod);
    this.columns = [CLOCK_CAPTURE_OBJECT, captureObject(CosemClass.REGISTER, OBJECTS.ENERGY_IMPORT, 2), captureObject(CosemClass.REGISTER, OBJECTS.ENERGY_EXPORT, 2)];
  }

  now(): number {
    return Math.floor(this.options.now?.() ?? Date.now() / 1000) + this.#clockOffset;
  }

  setClock(unixS: number): void {
    this.#clockOffset += unixS - this.now();
  }

  get deviation(): number {
    return this.options.deviation ?? 0;
  }

  policyOf(clientSap: number): ClientPolicy | undefined {
    return (this.options.clients ?? SIMULATOR_DEFAULTS.clients)[clientSap];
  }

  /** Cumulative registers at time t (aligned down to the capture period). */
  registersAt(t: number): { importWh: number; exportWh: number } {
    const k = Math.max(0, Math.floor((t - this.profileStart) / this.capturePeriod));
    const base = this.profileStart / this.capturePeriod;
    while (this.#cumulative.length <= k) {
      const i = this.#cumulative.length - 1;
      const prev = this.#cumulative[i]!;
      const e = intervalEnergy(base + i, this.capturePeriod);
      this.#cumulative.push({ importWh: prev.importWh + e.importWh, exportWh: prev.exportWh + e.exportWh });
    }
    return this.#cumulative[k]!;
  }

  /** Entries captured so far, as [first, last] entry numbers of the whole history (1-based). */
  #capturedCount(): number {
    const now = this.now();
    return now < this.profileStart ? 0 : Math.floor((now - this.profileStart) / this.capturePeriod) + 1;
  }

  /** Entries still in the buffer: 1 = the oldest kept. */
  get entriesInUse(): number {
    return Math.min(this.#capturedCount(), this.options.profileEntries ?? SIMULATOR_DEFAULTS.profileEntries);
  }

  /** Entry n of the buffer (1-based, oldest first). */
  entry(n: number): ProfileEntry {
    const dropped = this.#capturedCount() - this.entriesInUse;
    const timestamp = this.profileStart + (dropped + n - 1) * this.capturePeriod;
    return { timestamp, ...this.registersAt(timestamp) };
  }

  /** Entries whose time lies in [from, to]. */
  entriesBetween(from: number, to: number): ProfileEntry[] {
    const out: ProfileEntry[] = [];
    const count = this.entriesInUse;
    if (count === 0) return out;
    const first = this.entry(1).timestamp;
    const startIndex = Math.max(1, Math.ceil((from - first) / this.capturePeriod) + 1);
    for (let n = startIndex; n <= count; n++) {
      const e = this.entry(n);
      if (e.timestamp > to) break;
      if (e.timestamp >= from) out.push(e);
    }
    return out;
  }

  clockData(t: number): DlmsData {
    return Data.octetString(encodeDateTime(dateTimeFromUnix(t, { deviation: this.deviation, clockStatus: 0 })));
  }

  /** Value of column `c` of an entry (clock, import in 0.1 Wh, export in Wh). */
  columnValue(entry: ProfileEntry, column: CaptureObject): DlmsData {
    const ln = column.obis.join('.');
    if (column.classId === CosemClass.CLOCK) return this.clockData(entry.timestamp);
    if (ln === OBJECTS.ENERGY_IMPORT) return Data.u32(entry.importWh * 10);
    if (ln === OBJECTS.ENERGY_EXPORT) return Data.u32(entry.exportWh);
    return Data.null();
  }

  /** Plain attribute values (no selective access); undefined when the meter has no such attribute. */
  attribute(classId: number, obis: string, attribute: number): DlmsData | undefined {
    const now = this.now();
    const key = `${classId}/${obis}`;
    if (attribute === 1 && OBJECT_CLASSES[obis] === classId) return Data.octetString(parseObis(obis));
    switch (key) {
      case `1/${OBJECTS.LOGICAL_DEVICE_NAME}`:
        return attribute === 2 ? Data.octetString(new TextEncoder().encode(`WLS${this.serialNumber}`)) : undefined;
      case `1/${OBJECTS.SERIAL_NUMBER}`:
        return attribute === 2 ? Data.visibleString(this.serialNumber) : undefined;
      case `1/${OBJECTS.INVOCATION_COUNTER}`:
        return attribute === 2 ? Data.u32(this.invocationCounter) : undefined;
      case `8/${OBJECTS.CLOCK}`:
        if (attribute === 2) return this.clockData(now);
        if (attribute === 3) return Data.i16(-this.deviation);
        if (attribute === 4) return Data.u8(0);
        return undefined;
      case `3/${OBJECTS.ENERGY_IMPORT}`:
        if (attribute === 2) return Data.u32(this.registersAt(now).importWh * 10);
        if (attribute === 3) return encodeScalerUnit({ scaler: -1, unit: Unit.WATT_HOUR });
        return undefined;
      case `3/${OBJECTS.ENERGY_EXPORT}`:
        if (attribute === 2) return Data.u32(this.registersAt(now).exportWh);
        if (attribute === 3) return encodeScalerUnit({ scaler: 0, unit: Unit.WATT_HOUR });
        return undefined;
      case `7/${OBJECTS.LOAD_PROFILE}`:
        if (attribute === 3) return encodeCaptureObjects(this.columns);
        if (attribute === 4) return Data.u32(this.capturePeriod);
        if (attribute === 5) return Data.enum(1);
        if (attribute === 7) return Data.u32(this.entriesInUse);
        if (attribute === 8) return Data.u32(this.options.profileEntries ?? SIMULATOR_DEFAULTS.profileEntries);
        return undefined;
      default:
        return undefined;
    }
  }

  objectList(): DlmsData {
    return Data.array(Object.entries(OBJECT_CLASSES).map(([obis, classId]) =>
      Data.structure(Data.u16(classId), Data.u8(classId === CosemClass.ASSOCIATION_LN ? 1 : 0), Data.octetString(parseObis(obis)), Data.structure(Data.array([]), Data.array([]))),
    ));
  }

  knows(obis: string): boolean {
    return OBJECT_CLASSES[obis] !== undefined;
  }

  classOf(obis: string): number | undefined {
    return OBJECT_CLASSES[obis];
  }
}

const OBJECT_CLASSES: Readonly<Record<string, number>> = Object.freeze({
  [OBJECTS.ASSOCIATION]: CosemClass.ASSOCIATION_LN,
  [OBJECTS.LOGICAL_DEVICE_NAME]: CosemClass.DATA,
  [OBJECTS.SERIAL_NUMBER]: CosemClass.DATA,
  [OBJECTS.INVOCATION_COUNTER]: CosemClass.DATA,
  [OBJECTS.CLOCK]: CosemClass.CLOCK,
  [OBJECTS.ENERGY_IMPORT]: CosemClass.REGISTER,
  [OBJECTS.ENERGY_EXPORT]: CosemClass.REGISTER,
  [OBJECTS.LOAD_PROFILE]: CosemClass.PROFILE_GENERIC,
});
