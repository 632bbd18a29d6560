import t from 'tap';
import { attributeRef, ModeEError, HdlcError } from '@wattledger/protocol/dlms';
import { withDlmsSession, type DlmsClientOptions } from '../src/dlms/client.js';
import { openSerialTransport } from '../src/dlms/serial-transport.js';
import { openModeE } from '../src/dlms/mode-e-open.js';
import { createSerialMeterSimulator } from '../src/dlms/simulator/serial-simulator.js';

const NOW = 1719835200;
const meter = { now: () => NOW, profileStart: NOW - 86400 };

t.test('direct HDLC on a serial line at 9600 8N1 (serialport mock binding)', async (t) => {
  const sim = createSerialMeterSimulator({ meter });
  const options: DlmsClientOptions = { serial: { path: sim.path, binding: sim.binding, baudRate: 9600 }, client: 16, responseTimeoutMs: 1000 };
  await withDlmsSession(options, async (session) => {
    const name = await session.get(attributeRef(1, '0.0.42.0.0.255', 2));
    t.equal(new TextDecoder().decode((name as { value: Uint8Array }).value), 'WLS12345678');
    const day = await session.readProfile('1.0.99.1.0.255', { from: NOW - 86400, to: NOW - 900 });
    t.equal(day.rows.length, 96);
  });
  t.equal(sim.garbled, 0);
});

t.test('mode E through an echoing optical head: 300 Bd 7E1 identification, switch to 9600 8N1, HDLC', async (t) => {
  const sim = createSerialMeterSimulator({ meter, modeE: true, echo: true });
  t.equal(sim.phase, 'mode-e');
  const options: DlmsClientOptions = { serial: { path: sim.path, binding: sim.binding, modeE: { timeoutMs: 1000 } }, client: 16, responseTimeoutMs: 1000 };
  await withDlmsSession(options, async (session) => {
    t.equal(sim.phase, 'hdlc', 'the meter switched on the ACK');
    const clock = await session.get(attributeRef(8, '0.0.1.0.0.255', 2));
    t.equal(clock.type, 'octet-string');
    const entries = await session.readProfile('1.0.99.1.0.255', { fromEntry: 1, toEntry: 96 });
    t.equal(entries.rows.length, 96);
  });
  t.equal(sim.phase, 'mode-e', 'after DISC the meter waits for a new mode E opening');
  t.equal(sim.garbled, 0, 'no byte was sent with the wrong line settings');
  await withDlmsSession(options, async (session) => {
    t.equal((await session.readObjectList()).length, 8, 'a second mode E session works');
  });
});

t.test('the identification and baud switch, step by step', async (t) => {
  const sim = createSerialMeterSimulator({ meter, modeE: true, identification: { manufacturer: 'ABC', baudChar: '6', baudRate: 19200, capabilities: ['2'], identification: 'TEST' } });
  const transport = await openSerialTransport({ path: sim.path, binding: sim.binding, baudRate: 300, dataBits: 7, parity: 'even' });
  const id = await openModeE(transport, { maxBaudRate: 9600 });
  t.same(id, { manufacturer: 'ABC', baudChar: '6', baudRate: 19200, capabilities: ['2'], identification: 'TEST' });
  t.same(transport.settings, { baudRate: 9600, dataBits: 8, parity: 'none' }, 'the client capped the rate at 9600 and switched to 8N1');
  await transport.close();
});

t.test('wrong line settings: bytes are garbled and HDLC times out', async (t) => {
  const sim = createSerialMeterSimulator({ meter });
  const options: DlmsClientOptions = { serial: { path: sim.path, binding: sim.binding, baudRate: 19200 }, client: 16, responseTimeoutMs: 60, maxRetries: 1 };
  const error = await withDlmsSession(options, async () => 0).catch((e: unknown) => e);
  t.type(error, HdlcError);
  t.match(error, { code: 'DLMS_HDLC_TIMEOUT' });
  t.ok(sim.garbled > 0, `${sim.garbled} bytes were unreadable for the meter`);
});

t.test('a silent optical port: mode E times out', async (t) => {
  const sim = createSerialMeterSimulator({ meter: { ...meter, silent: true }, modeE: true });
  const options: DlmsClientOptions = { serial: { path: sim.path, binding: sim.binding, modeE: { timeoutMs: 50, retries: 1 } }, client: 16 };
  const error = await withDlmsSession(options, async () => 0).catch((e: unknown) => e);
  t.type(error, ModeEError);
  t.match(error, { layer: 'MODE_E', code: 'DLMS_MODE_E_TIMEOUT', message: /no identification after 2 requests/ });
});
