/**
 * The simulated meter behind a serial port, built on @serialport/binding-mock: a binding whose
 * ports hand every written byte to the meter, which answers on the same port. The meter checks
 * the line settings the client port is using (baud rate, data bits, parity) and ignores bytes
 * sent with the wrong ones, as a real UART would garble them; with mode E it starts at
 * 300 Bd 7E1, answers "/?!" with its identification and switches to the agreed rate on the ACK.
 */
import { SerialPortMock } from 'serialport';
import {
  ACK, encodeIdentification, MODE_E_BAUD_RATES, OPENING_BAUD_RATE, type MeterIdentification,
} from '@wattledger/protocol/dlms';
import type { SerialBinding } from '../serial-transport.js';
import type { LineSettings } from '../transport.js';
import { MeterModel, type SimulatedMeterOptions } from './meter-model.js';
import { serveHdlc, type ServeOptions } from './serve.js';

export interface SerialSimulatorOptions extends ServeOptions {
  readonly meter?: MeterModel | SimulatedMeterOptions;
  /** Open with IEC 62056-21 mode E (optical probe) instead of direct HDLC. */
  readonly modeE?: boolean;
  /** Direct HDLC line settings (default 9600 8N1). */
  readonly line?: LineSettings;
  readonly identification?: MeterIdentification;
  /** Echo every byte the client sends, like a half-duplex optical head. */
  readonly echo?: boolean;
  readonly path?: string;
}

export interface SerialMeterSimulator {
  readonly path: string;
  readonly binding: SerialBinding;
  readonly meter: MeterModel;
  /** Bytes the meter ignored because the client used the wrong line settings. */
  readonly garbled: number;
  readonly phase: 'mode-e' | 'hdlc';
}

/** @serialport/binding-mock, reached through serialport's typed re-export. */
const MockBinding = SerialPortMock.binding;
const DEFAULT_IDENTIFICATION: MeterIdentification = { manufacturer: 'WLS', baudChar: '5', baudRate: 9600, capabilities: ['2'], identification: 'WattLedgerSim' };
let counter = 0;

export function createSerialMeterSimulator(options: SerialSimulatorOptions = {}): SerialMeterSimulator {
  const meter = options.meter instanceof MeterModel ? options.meter : new MeterModel(options.meter);
  const path = options.path ?? `/dev/ttyDLMSSIM${++counter}`;
  const identification = options.identification ?? DEFAULT_IDENTIFICATION;
  const hdlcLine: LineSettings = options.line ?? { baudRate: 9600, dataBits: 8, parity: 'none' };
  const openingLine: LineSettings = { baudRate: OPENING_BAUD_RATE, dataBits: 7, parity: 'even' };
  MockBinding.createPort(path, { echo: false, record: false });

  let port: { emitData(data: Buffer): void; isOpen: boolean } | undefined;
  let phase: 'mode-e' | 'hdlc' = options.modeE ? 'mode-e' : 'hdlc';
  let expected: LineSettings = options.modeE ? openingLine : hdlcLine;
  let garbled = 0;
  let text = '';
  let listener: ((bytes: Uint8Array) => void) | undefined;

  const send = (bytes: Uint8Array): void => {
    const target = port;
    setImmediate(() => {
      if (target?.isOpen) target.emitData(Buffer.from(bytes));
    });
  };
  serveHdlc({ write: send, onData: (l) => (listener = l) }, meter, {
    ...options,
    onDisconnected: () => {
      options.onDisconnected?.();
      if (options.modeE) {
        phase = 'mode-e';
        expected = openingLine;
      }
    },
  });

  const fromClient = (bytes: Uint8Array, line: LineSettings): void => {
    if (options.echo) send(bytes);
    if (line.baudRate !== expected.baudRate || line.dataBits !== expected.dataBits || line.parity !== expected.parity) {
      garbled += bytes.length;
      return;
    }
    if (meter.options.silent) return;
    if (phase === 'hdlc') {
      listener?.(bytes);
      return;
    }
    text += String.fromCharCode(...bytes);
    if (/\/\?[0-9A-Za-z ]*!\r\n$/.test(text)) {
      text = '';
      send(encodeIdentification(identification));
      return;
    }
    const select = new RegExp(`${String.fromCharCode(ACK)}2([0-6])2\\r\\n$`).exec(text);
    if (select !== null) {
      text = '';
      phase = 'hdlc';
      expected = { baudRate: MODE_E_BAUD_RATES[select[1]!]!, dataBits: 8, parity: 'none' };
    }
  };

  const binding: SerialBinding = {
    list: () => MockBinding.list(),
    async open(openOptions) {
      const opened = await MockBinding.open(openOptions);
      let line: LineSettings = { baudRate: openOptions.baudRate, dataBits: (openOptions.dataBits ?? 8) as 7 | 8, parity: openOptions.parity === 'even' ? 'even' : 'none' };
      port = opened;
      const write = opened.write.bind(opened);
      opened.write = async (buffer: Buffer) => {
        await write(buffer);
        fromClient(new Uint8Array(buffer), line);
      };
      const update = opened.update.bind(opened);
      opened.update = async (o: { baudRate: number }) => {
        await update(o);
        line = { ...line, baudRate: o.baudRate };
      };
      return opened;
    },
  };

  return {
    path,
    binding,
    meter,
    get garbled() {
      return garbled;
    },
    get phase() {
      return phase;
    },
  };
}
