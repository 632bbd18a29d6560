/**
 * OBIS object identification (IEC 62056-6-1): six value groups A..F, on the wire as a 6-byte
 * octet-string logical name. Printed as `1.0.1.8.0.255`; parsed from that form, from the
 * IEC 62056-6-1 display form `1-0:1.8.0*255` / `1-0:1.8.0.255`, and with F omitted (255).
 */
import { CosemClass } from './cosem-class.js';

export const OBIS_BYTES = 6;

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/;
const DISPLAY = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[.*](\d{1,3}))?$/;

/** Parses an OBIS code to its 6-byte logical name; throws RangeError with the accepted forms. */
export function parseObis(text: string): Uint8Array {
  const match = DOTTED.exec(text.trim()) ?? DISPLAY.exec(text.trim());
  if (match === null) throw new RangeError(`OBIS code ${JSON.stringify(text)}: expected A.B.C.D.E.F (e.g. 1.0.1.8.0.255) or A-B:C.D.E*F`);
  const out = new Uint8Array(OBIS_BYTES);
  for (let i = 0; i < 6; i++) {
    const v = Number(match[i + 1] ?? '255');
    if (v > 255) throw new RangeError(`OBIS code ${JSON.stringify(text)}: value group ${'ABCDEF'[i]} is ${v}, at most 255`);
    out[i] = v;
  }
  return out;
}

export function formatObis(logicalName: Uint8Array): string {
  if (logicalName.length !== OBIS_BYTES) throw new RangeError(`OBIS logical name of 6 bytes expected, got ${logicalName.length}`);
  return Array.from(logicalName).join('.');
}

/** Canonical dotted form of any accepted OBIS text. */
export function normalizeObis(text: string): string {
  return formatObis(parseObis(text));
}

export interface KnownObject {
  readonly obis: string;
  readonly classId: number;
  readonly description: string;
}

/** Common objects of electricity meters (Blue Book §7.5, DLMS UA 1000-1 object list). */
export const COMMON_OBJECTS: Readonly<Record<string, KnownObject>> = Object.freeze({
  clock: { obis: '0.0.1.0.0.255', classId: CosemClass.CLOCK, description: 'Clock' },
  currentAssociation: { obis: '0.0.40.0.0.255', classId: CosemClass.ASSOCIATION_LN, description: 'Current association (LN)' },
  sapAssignment: { obis: '0.0.41.0.0.255', classId: CosemClass.SAP_ASSIGNMENT, description: 'SAP assignment' },
  logicalDeviceName: { obis: '0.0.42.0.0.255', classId: CosemClass.DATA, description: 'COSEM logical device name' },
  securitySetup: { obis: '0.0.43.0.0.255', classId: CosemClass.SECURITY_SETUP, description: 'Security setup' },
  invocationCounter: { obis: '0.0.43.1.0.255', classId: CosemClass.DATA, description: 'Invocation counter (frame counter)' },
  serialNumber: { obis: '0.0.96.1.0.255', classId: CosemClass.DATA, description: 'Device ID 1, manufacturing number' },
  firmwareVersion: { obis: '1.0.0.2.0.255', classId: CosemClass.DATA, description: 'Active firmware identifier' },
  activeEnergyImport: { obis: '1.0.1.8.0.255', classId: CosemClass.REGISTER, description: 'Active energy import (+A), total' },
  activeEnergyExport: { obis: '1.0.2.8.0.255', classId: CosemClass.REGISTER, description: 'Active energy export (-A), total' },
  reactiveEnergyImport: { obis: '1.0.3.8.0.255', classId: CosemClass.REGISTER, description: 'Reactive energy import (+R), total' },
  reactiveEnergyExport: { obis: '1.0.4.8.0.255', classId: CosemClass.REGISTER, description: 'Reactive energy export (-R), total' },
  activePowerImport: { obis: '1.0.1.7.0.255', classId: CosemClass.REGISTER, description: 'Active power import (+P), instantaneous' },
  activePowerExport: { obis: '1.0.2.7.0.255', classId: CosemClass.REGISTER, description: 'Active power export (-P), instantaneous' },
  voltageL1: { obis: '1.0.32.7.0.255', classId: CosemClass.REGISTER, description: 'Voltage L1, instantaneous' },
  currentL1: { obis: '1.0.31.7.0.255', classId: CosemClass.REGISTER, description: 'Current L1, instantaneous' },
  loadProfile1: { obis: '1.0.99.1.0.255', classId: CosemClass.PROFILE_GENERIC, description: 'Load profile 1 (e.g. 15-min energy)' },
  loadProfile2: { obis: '1.0.99.2.0.255', classId: CosemClass.PROFILE_GENERIC, description: 'Load profile 2 (e.g. daily)' },
  eventLog: { obis: '0.0.99.98.0.255', classId: CosemClass.PROFILE_GENERIC, description: 'Standard event log' },
});

/** The known object at a logical name, if it is in COMMON_OBJECTS. */
export function knownObject(obis: string): KnownObject | undefined {
  const canonical = normalizeObis(obis);
  return Object.values(COMMON_OBJECTS).find((o) => o.obis === canonical);
}
