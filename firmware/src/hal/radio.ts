/**
 * Short-range radio seam (DESIGN §5, §8): the meter's NFC front end or BLE peripheral as a
 * link that carries byte units to and from one technician at a time.
 *
 *  - NFC: the units are pieces of the NDEF byte stream (NFC Forum NDEF 1.0), however the
 *    controller splits them; the meter answers on the same link.
 *  - BLE: the meter is the GATT server of protocol's `BleUuid.SERVICE`; each unit is one
 *    attribute value written to PAIRING_WRITE (in) or notified on PAIRING_NOTIFY (out), at
 *    most ATT_MTU - 3 bytes (Bluetooth Core 5.4 Vol 3 Part F §3.4.7.1).
 *
 * Callback style, as Moddable's IO classes: the pairing shell never needs async.
 */

export type RadioTransport = 'nfc' | 'ble';

export interface RadioLinkInfo {
  readonly transport: RadioTransport;
  /** BLE: the ATT_MTU negotiated with the central (23..517); absent for NFC. */
  readonly attMtu?: number;
}

export interface RadioHandlers {
  /** A technician's device connected (BLE central connected, NFC reader in the field). */
  onLinkOpen(info: RadioLinkInfo): void;
  /** One unit received on the open link. */
  onUnit(unit: Uint8Array): void;
  /** The link ended (either side, or out of range); called once per opened link. */
  onLinkClosed(reason: string): void;
}

export interface ShortRangeRadio {
  /** Starts advertising / listening; events arrive on `handlers` until `stop`. */
  start(handlers: RadioHandlers): void;
  /** Sends one unit on the open link (dropped if none is open). */
  send(unit: Uint8Array): void;
  /** Ends the open link, after the units already sent. `onLinkClosed` is still called. */
  disconnect(): void;
  /** Stops advertising and ends any link. */
  stop(): void;
}
