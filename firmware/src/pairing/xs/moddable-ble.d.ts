/**
 * The shapes of Moddable's BLE GATT server modules as the pairing radio uses them (Moddable
 * SDK documentation, BLE: "BLEServer", "gap", "btutils"). They resolve on the device build.
 */

declare module 'bleserver' {
  export interface BLEDevice {
    readonly connection: number;
  }
  export interface BLECharacteristic {
    readonly name: string;
    readonly uuid: unknown;
    readonly handle: number;
  }
  export interface AdvertisingOptions {
    readonly advertisingData: Record<string, unknown>;
    readonly scanResponseData?: Record<string, unknown>;
  }
  export default class BLEServer {
    deviceName: string;
    onReady(): void;
    onConnected(device: BLEDevice): void;
    onDisconnected(device: BLEDevice): void;
    onMTUExchanged(device: BLEDevice, mtu: number): void;
    onCharacteristicWritten(characteristic: BLECharacteristic, value: ArrayBuffer): void;
    onCharacteristicNotifyEnabled(characteristic: BLECharacteristic): void;
    onCharacteristicNotifyDisabled(characteristic: BLECharacteristic): void;
    startAdvertising(options: AdvertisingOptions): void;
    stopAdvertising(): void;
    notifyValue(characteristic: BLECharacteristic, value: ArrayBuffer): void;
    disconnect(): void;
    close(): void;
  }
}

declare module 'gap' {
  const GAP: { readonly ADFlag: { readonly LE_GENERAL_DISCOVERABLE_MODE: number; readonly NO_BR_EDR: number } };
  export default GAP;
}

declare module 'btutils' {
  export function uuid(strings: TemplateStringsArray, ...values: unknown[]): unknown;
}
