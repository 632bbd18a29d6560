/**
 * The short-range radio seam on Moddable's BLE GATT server (ESP32): the pairing service of
 * bleservices/pairing.json (protocol's BleUuid), advertised while the commissioning window is
 * open with the scan-response name `WL<meter id>` the technician tool looks for. A write to
 * pairingWrite is one unit in; a unit out is one notification on pairingNotify, sent once the
 * central enabled notifications (units wait until then). Built and type-checked here; it runs
 * only on the device (no BLE stack under Node or xsnap).
 */
import BLEServer, { type BLECharacteristic, type BLEDevice } from 'bleserver';
import GAP from 'gap';
import { uuid } from 'btutils';
import type { RadioHandlers, ShortRangeRadio } from '../../hal/radio.js';

export class BleGattRadio extends BLEServer implements ShortRangeRadio {
  private handlers: RadioHandlers | undefined;
  private notify: BLECharacteristic | undefined;
  private connected = false;
  private ready = false;
  private waiting: Uint8Array[] = [];
  private attMtu = 23;

  constructor(private readonly meterId: string) {
    super();
  }

  override onReady(): void {
    this.ready = true;
    this.deviceName = `WL${this.meterId}`;
    if (this.handlers !== undefined) this.advertise();
  }

  start(handlers: RadioHandlers): void {
    this.handlers = handlers;
    if (this.ready && !this.connected) this.advertise();
  }

  send(unit: Uint8Array): void {
    if (!this.connected) return;
    if (this.notify === undefined) this.waiting.push(unit.slice());
    else this.notifyValue(this.notify, unit.slice().buffer as ArrayBuffer);
  }

  override disconnect(): void {
    if (this.connected) super.disconnect();
  }

  stop(): void {
    this.handlers = undefined;
    if (this.connected) super.disconnect();
    else if (this.ready) this.stopAdvertising();
  }

  override onConnected(_device: BLEDevice): void {
    this.connected = true;
    this.stopAdvertising();
    this.handlers?.onLinkOpen({ transport: 'ble', attMtu: this.attMtu });
  }

  override onMTUExchanged(_device: BLEDevice, mtu: number): void {
    this.attMtu = mtu;
  }

  override onCharacteristicNotifyEnabled(characteristic: BLECharacteristic): void {
    this.notify = characteristic;
    for (const unit of this.waiting.splice(0)) this.notifyValue(characteristic, unit.buffer as ArrayBuffer);
  }

  override onCharacteristicWritten(characteristic: BLECharacteristic, value: ArrayBuffer): void {
    if (characteristic.name === 'pairingWrite') this.handlers?.onUnit(new Uint8Array(value));
  }

  override onDisconnected(_device: BLEDevice): void {
    this.connected = false;
    this.notify = undefined;
    this.waiting = [];
    this.attMtu = 23;
    this.handlers?.onLinkClosed('the central disconnected');
    if (this.handlers !== undefined) this.advertise();
  }

  private advertise(): void {
    this.startAdvertising({
      advertisingData: { flags: GAP.ADFlag.LE_GENERAL_DISCOVERABLE_MODE | GAP.ADFlag.NO_BR_EDR, completeUUID128List: [uuid`7E1A0001-8F4C-4B2E-9D53-6A0C2F9E1B70`] },
      scanResponseData: { completeName: this.deviceName },
    });
  }
}
