/**
 * The technician's end of a short-range link to a meter (the tool's transport seam): units
 * are NFC NDEF stream pieces or BLE attribute values (protocol transport/framing.ts). The BLE
 * and PC/SC NFC adapters implement it, and so does the technician end of firmware's
 * in-memory radio (used by `--simulate` and tests).
 */

export type PairingTransport = 'nfc' | 'ble';

export interface PairingLinkReceiver {
  onUnit(unit: Uint8Array): void;
  /** The link ended; called once. */
  onClose(reason: string): void;
}

export interface PairingLink {
  readonly transport: PairingTransport;
  /** BLE: the negotiated ATT_MTU. */
  readonly attMtu?: number;
  send(unit: Uint8Array): void | Promise<void>;
  setReceiver(receiver: PairingLinkReceiver): void;
  close(): void | Promise<void>;
}

type Item<T> = { readonly value: T } | { readonly timeout: true };

/** A queue of link events awaited one at a time, with a timeout per wait. */
export class EventQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: Item<T>) => void) | undefined;

  push(value: T): void {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter({ value });
    } else {
      this.items.push(value);
    }
  }

  next(timeoutMs: number): Promise<Item<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()! });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve({ timeout: true });
      }, timeoutMs);
      this.waiter = (item) => {
        clearTimeout(timer);
        resolve(item);
      };
    });
  }
}
