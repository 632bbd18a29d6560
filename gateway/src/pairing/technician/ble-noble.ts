/**
 * BLE central with @abandonware/noble (optional): finds the meter by its scan-response local
 * name `WL<meter id>` among peripherals advertising protocol's `BleUuid.SERVICE`, connects,
 * subscribes to PAIRING_NOTIFY and writes units to PAIRING_WRITE without response (Bluetooth
 * Core 5.4 Vol 3 Part G §4.9.1). Units are sized by the ATT_MTU noble negotiated.
 */
import { BLE_MIN_ATT_MTU, BleUuid } from '@wattledger/protocol/pairing';
import { loadOptional, RadioUnavailableError } from './optional-module.js';
import type { PairingLink, PairingLinkReceiver } from './pairing-link.js';

interface NobleCharacteristic {
  readonly uuid: string;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  on(event: 'data', listener: (data: Buffer) => void): void;
}

interface NoblePeripheral {
  readonly advertisement: { readonly localName?: string };
  readonly mtu?: number | null;
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(services: string[], characteristics: string[]): Promise<{ characteristics: NobleCharacteristic[] }>;
  once(event: 'disconnect', listener: () => void): void;
}

interface Noble {
  readonly state: string;
  on(event: 'stateChange', listener: (state: string) => void): void;
  on(event: 'discover', listener: (peripheral: NoblePeripheral) => void): void;
  removeListener(event: string, listener: (...args: never[]) => void): void;
  startScanningAsync(services: string[], allowDuplicates: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

const uuid = (value: string): string => value.replace(/-/g, '').toLowerCase();

export function bleLocalName(meterId: string): string {
  return `WL${meterId}`;
}

export async function openBleLink(meterId: string, options: { timeoutMs?: number; importer?: (specifier: string) => Promise<unknown> } = {}): Promise<PairingLink> {
  const module = await loadOptional<{ default?: Noble } & Partial<Noble>>('@abandonware/noble', 'BLE', options.importer);
  const noble = (module.default ?? module) as Noble;
  const timeoutMs = options.timeoutMs ?? 20_000;
  if (noble.state !== 'poweredOn') {
    const state = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve(noble.state), 5_000);
      noble.on('stateChange', (s) => {
        if (s === 'poweredOn' || s === 'unsupported' || s === 'unauthorized' || s === 'poweredOff') {
          clearTimeout(timer);
          resolve(s);
        }
      });
    });
    if (state !== 'poweredOn') throw new RadioUnavailableError(`BLE: no usable Bluetooth adapter (state ${state}): switch Bluetooth on or use --transport nfc`);
  }
  const peripheral = await new Promise<NoblePeripheral>((resolve, reject) => {
    const onDiscover = (p: NoblePeripheral): void => {
      if (p.advertisement.localName !== bleLocalName(meterId)) return;
      clearTimeout(timer);
      noble.removeListener('discover', onDiscover);
      void noble.stopScanningAsync().finally(() => resolve(p));
    };
    const timer = setTimeout(() => {
      noble.removeListener('discover', onDiscover);
      void noble.stopScanningAsync();
      reject(new RadioUnavailableError(`BLE: meter ${meterId} not found within ${timeoutMs / 1000} s: is its pairing window open and the meter in range?`));
    }, timeoutMs);
    noble.on('discover', onDiscover);
    noble.startScanningAsync([uuid(BleUuid.SERVICE)], false).catch((error: Error) => reject(new RadioUnavailableError(`BLE: scanning failed: ${error.message}`)));
  });
  await peripheral.connectAsync();
  const { characteristics } = await peripheral.discoverSomeServicesAndCharacteristicsAsync([uuid(BleUuid.SERVICE)], [uuid(BleUuid.PAIRING_WRITE), uuid(BleUuid.PAIRING_NOTIFY)]);
  const write = characteristics.find((c) => c.uuid === uuid(BleUuid.PAIRING_WRITE));
  const notify = characteristics.find((c) => c.uuid === uuid(BleUuid.PAIRING_NOTIFY));
  if (write === undefined || notify === undefined) {
    await peripheral.disconnectAsync();
    throw new RadioUnavailableError(`BLE: meter ${meterId} lacks the pairing characteristics: update its firmware`);
  }
  let receiver: PairingLinkReceiver | undefined;
  let closed = false;
  notify.on('data', (data) => receiver?.onUnit(new Uint8Array(data)));
  peripheral.once('disconnect', () => {
    if (closed) return;
    closed = true;
    receiver?.onClose('the meter ended the BLE connection');
  });
  await notify.subscribeAsync();
  return {
    transport: 'ble',
    attMtu: Math.max(BLE_MIN_ATT_MTU, peripheral.mtu ?? BLE_MIN_ATT_MTU),
    send: (unit) => write.writeAsync(Buffer.from(unit), true),
    setReceiver: (r) => {
      receiver = r;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await peripheral.disconnectAsync();
      receiver?.onClose('the tool ended the BLE connection');
    },
  };
}
