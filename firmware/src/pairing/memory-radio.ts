/**
 * An in-memory short-range radio for tests, the simulator and the technician tool's
 * `--simulate` mode: the meter's `ShortRangeRadio` and a technician's end of the link. Units
 * move asynchronously and in order (by default on the microtask queue); an optional
 * interceptor sees each unit in transit and returns what is delivered instead (drop, split,
 * replay, tamper). One link at a time, as a meter's radio.
 */
import type { RadioHandlers, RadioLinkInfo, RadioTransport, ShortRangeRadio } from '../hal/radio.js';

export type RadioSide = 'meter' | 'technician';

export interface RadioPeerReceiver {
  onUnit(unit: Uint8Array): void;
  onClose(reason: string): void;
}

/** The technician's end of a link (the shape the technician tool's transports have). */
export interface RadioPeer {
  readonly transport: RadioTransport;
  readonly attMtu?: number;
  readonly closed: boolean;
  send(unit: Uint8Array): void;
  setReceiver(receiver: RadioPeerReceiver): void;
  close(): void;
}

export interface MemoryRadioOptions {
  /** Schedules a delivery; default: the microtask queue. */
  readonly defer?: (task: () => void) => void;
  readonly interceptor?: (unit: Uint8Array, from: RadioSide) => Uint8Array[];
}

export interface MemoryRadio {
  readonly radio: ShortRangeRadio;
  /** A technician's device comes into range and connects; throws when the meter's radio is off or busy. */
  connect(info: RadioLinkInfo): RadioPeer;
  readonly linkOpen: boolean;
}

interface LinkState {
  /** No more sends: a close is on its way, after the units already in transit. */
  closing: boolean;
  /** The close was delivered. */
  closed: boolean;
  receiver: RadioPeerReceiver | undefined;
  /** Units for the technician that arrived before a receiver was set. */
  early: Uint8Array[];
}

export function memoryRadio(options: MemoryRadioOptions = {}): MemoryRadio {
  const defer = options.defer ?? ((task: () => void) => void Promise.resolve().then(task));
  let handlers: RadioHandlers | undefined;
  let link: LinkState | undefined;

  const intercept = (unit: Uint8Array, from: RadioSide): Uint8Array[] => (options.interceptor ? options.interceptor(unit.slice(), from) : [unit.slice()]);

  const closeLink = (state: LinkState, reason: string): void => {
    if (state.closing) return;
    state.closing = true;
    defer(() => {
      state.closed = true;
      if (link === state) link = undefined;
      handlers?.onLinkClosed(reason);
      state.receiver?.onClose(reason);
    });
  };

  const radio: ShortRangeRadio = {
    start(h: RadioHandlers): void {
      handlers = h;
    },
    send(unit: Uint8Array): void {
      const state = link;
      if (state === undefined || state.closing) return;
      for (const delivered of intercept(unit, 'meter')) {
        defer(() => {
          if (state.closed) return;
          if (state.receiver) state.receiver.onUnit(delivered);
          else state.early.push(delivered);
        });
      }
    },
    disconnect(): void {
      if (link !== undefined) closeLink(link, 'the meter ended the link');
    },
    stop(): void {
      if (link !== undefined) closeLink(link, 'the meter radio stopped');
      handlers = undefined;
    },
  };

  return {
    radio,
    get linkOpen() {
      return link !== undefined && !link.closing;
    },
    connect(info: RadioLinkInfo): RadioPeer {
      if (handlers === undefined) throw new Error('no meter radio in range (the meter is off or its radio stopped)');
      if (link !== undefined && !link.closing) throw new Error('the meter radio is busy with another link');
      const state: LinkState = { closing: false, closed: false, receiver: undefined, early: [] };
      link = state;
      const meter = handlers;
      defer(() => {
        if (!state.closed) meter.onLinkOpen(info);
      });
      return {
        transport: info.transport,
        ...(info.attMtu === undefined ? {} : { attMtu: info.attMtu }),
        get closed() {
          return state.closing;
        },
        send(unit: Uint8Array): void {
          if (state.closing) return;
          for (const delivered of intercept(unit, 'technician')) {
            defer(() => {
              if (!state.closed && link === state) handlers?.onUnit(delivered);
            });
          }
        },
        setReceiver(receiver: RadioPeerReceiver): void {
          state.receiver = receiver;
          for (const unit of state.early.splice(0)) receiver.onUnit(unit);
        },
        close(): void {
          closeLink(state, 'the technician ended the link');
        },
      };
    },
  };
}
