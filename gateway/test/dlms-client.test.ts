import t from 'tap';
import { fromHex } from '@wattledger/protocol';
import {
  attributeRef, entryAccess, CLOCK_CAPTURE_OBJECT, captureObject, dateTimeFromUnix, decodeDateTime, dateTimeToUnix, encodeDateTime, Data,
  type DlmsData, type SecurityKeys,
} from '@wattledger/protocol/dlms';
import { openDlmsSession, withDlmsSession, type DlmsClientOptions } from '../src/dlms/client.js';
import { intervalEnergy } from '../src/dlms/simulator/meter-model.js';
import { startTcpMeterSimulator, type TcpMeterSimulator } from '../src/dlms/simulator/tcp-simulator.js';
import type { SessionOptions } from '../src/dlms/session.js';

// A fixed wall clock: 2024-07-01T12:00:00Z, the profile starting three days before.
const NOW = 1719835200;
const DAY = 86400;
const KEYS: SecurityKeys = { encryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'), authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf') };
const CLIENT_TITLE = fromHex('4d4d4d0000000001');

const meterOptions = { now: () => NOW, profileStart: NOW - 3 * DAY, keys: KEYS, password: 'secret12' };

/** The cumulative registers the simulator must report at time t (same model, computed independently). */
function expectedRegisters(t: number): { importWh: number; exportWh: number } {
  let importWh = 100_000;
  let exportWh = 20_000;
  const start = NOW - 3 * DAY;
  for (let s = start; s < t; s += 900) {
    const e = intervalEnergy(s / 900, 900);
    importWh += e.importWh;
    exportWh += e.exportWh;
  }
  return { importWh, exportWh };
}

const levels: Array<{ name: string; client: number; association: SessionOptions }> = [
  { name: 'none', client: 16, association: { authentication: 'none' } },
  { name: 'LLS', client: 32, association: { authentication: 'lls', password: 'secret12' } },
  { name: 'HLS-GMAC (LN context)', client: 48, association: { authentication: 'hls-gmac', security: { systemTitle: CLIENT_TITLE, keys: KEYS, cipherApdus: false } } },
];

const num = (d: DlmsData): number => (d as { value: number }).value;

for (const framing of ['hdlc', 'wrapper'] as const) {
  t.test(`client against the simulator over TCP (${framing})`, async (t) => {
    const sim = await startTcpMeterSimulator({ framing, meter: meterOptions });
    t.teardown(() => sim.close());
    const endpoint = (client: number): DlmsClientOptions => ({ tcp: { host: sim.host, port: sim.port, framing }, client, responseTimeoutMs: 2000 });

    for (const level of levels) {
      await t.test(`security ${level.name}: clock, registers, a day of 15-min profile by range and by entry`, async (t) => {
        await withDlmsSession({ ...endpoint(level.client), association: level.association }, async (session) => {
          const clock = await session.get(attributeRef(8, '0.0.1.0.0.255', 2));
          t.equal(clock.type, 'octet-string');
          t.equal(dateTimeToUnix(decodeDateTime((clock as { value: Uint8Array }).value)), NOW, 'clock reads the meter time');

          const [imp, scaler, exp] = await session.getWithList([
            { attribute: attributeRef(3, '1.0.1.8.0.255', 2) },
            { attribute: attributeRef(3, '1.0.1.8.0.255', 3) },
            { attribute: attributeRef(3, '1.0.2.8.0.255', 2) },
          ]);
          const want = expectedRegisters(NOW);
          t.equal(num(imp!.data!), want.importWh * 10, 'import register in 0.1 Wh');
          t.same(scaler!.data, Data.structure(Data.i8(-1), Data.enum(30)), 'scaler_unit 10^-1 Wh');
          t.equal(num(exp!.data!), want.exportWh, 'export register');

          const from = NOW - DAY;
          const day = await session.readProfile('1.0.99.1.0.255', { from, to: NOW - 900 });
          t.equal(day.capturePeriod, 900);
          t.equal(day.rows.length, 96, '96 quarter hours');
          t.same(day.rows.map((r) => r.timestamp), Array.from({ length: 96 }, (_, i) => from + i * 900));
          t.ok(day.rows.every((r) => num(r.values[1]!) === expectedRegisters(r.timestamp!).importWh * 10 && num(r.values[2]!) === expectedRegisters(r.timestamp!).exportWh), 'every entry matches the model');

          const entriesInUse = num(await session.get(attributeRef(7, '1.0.99.1.0.255', 7)));
          t.equal(entriesInUse, 3 * 96 + 1);
          const byEntry = await session.readProfile('1.0.99.1.0.255', { fromEntry: entriesInUse - 96, toEntry: entriesInUse - 1 });
          t.same(byEntry.rows.map((r) => r.timestamp), day.rows.map((r) => r.timestamp), 'the same day by entry numbers');

          const columns = await session.readProfile('1.0.99.1.0.255', { from, to: from + 3600 }, { columns: [CLOCK_CAPTURE_OBJECT, captureObject(3, '1.0.2.8.0.255', 2)] });
          t.equal(columns.rows.length, 5);
          t.equal(columns.rows[0]!.values.length, 2, 'column selection by range');
          const entryColumns = await session.readProfile('1.0.99.1.0.255', { fromEntry: 1, toEntry: 3, fromColumn: 2, toColumn: 3 });
          t.same(entryColumns.columns.map((c) => c.obis.join('.')), ['1.0.1.8.0.255', '1.0.2.8.0.255'], 'column selection by entry');
          t.equal(entryColumns.rows[0]!.timestamp, undefined, 'no clock column, no timestamp');
        });
      });
    }

    await t.test('long answers: GET block transfer and many HDLC segments', async (t) => {
      const small = await startTcpMeterSimulator({ framing, meter: { ...meterOptions, maxPduSize: 256, hdlc: { maxInfoTx: 64, maxInfoRx: 64, windowTx: 1, windowRx: 1 } } });
      t.teardown(() => small.close());
      const progress: Array<{ bytes: number; blocks: number }> = [];
      await withDlmsSession({ tcp: { host: small.host, port: small.port, framing }, client: 16, association: { maxReceivePduSize: 256 } }, async (session) => {
        const week = await session.readProfile('1.0.99.1.0.255', { from: NOW - 3 * DAY, to: NOW }, { onProgress: (p) => progress.push(p) });
        t.equal(week.rows.length, 3 * 96 + 1);
        const blocks = Math.max(...progress.map((p) => p.blocks));
        t.ok(blocks > 20, `${blocks} GET blocks`);
        t.ok(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1]!.bytes), 'progress only grows');
      });
    });

    await t.test('null timestamps in the buffer are filled from the capture period', async (t) => {
      const compressed = await startTcpMeterSimulator({ framing, meter: { ...meterOptions, nullTimestamps: true } });
      t.teardown(() => compressed.close());
      await withDlmsSession({ tcp: { host: compressed.host, port: compressed.port, framing }, client: 16 }, async (session) => {
        const buffer = await session.get(attributeRef(7, '1.0.99.1.0.255', 2), entryAccess({ fromEntry: 1, toEntry: 4 }));
        t.equal((buffer as unknown as { items: Array<{ items: DlmsData[] }> }).items[2]!.items[0]!.type, 'null', 'the meter sent null clocks');
        const rows = await session.readProfile('1.0.99.1.0.255', { from: NOW - DAY, to: NOW - 900 });
        t.same(rows.rows.map((r) => r.timestamp), Array.from({ length: 96 }, (_, i) => NOW - DAY + i * 900));
      });
    });

    await t.test('ciphered context (glo- and general-glo-ciphering, dedicated key) with HLS-GMAC; SET of the clock', async (t) => {
      for (const security of [
        { systemTitle: CLIENT_TITLE, keys: KEYS, invocationCounter: 100 },
        { systemTitle: CLIENT_TITLE, keys: KEYS, invocationCounter: 200, ciphering: 'general' as const },
        { systemTitle: CLIENT_TITLE, keys: KEYS, invocationCounter: 300, dedicatedKey: fromHex('00112233445566778899aabbccddeeff') },
      ]) {
        const session = await openDlmsSession({ ...endpoint(48), association: { authentication: 'hls-gmac', security } });
        const negotiated = await session.associate();
        t.equal(negotiated.authenticationPending, true, 'the meter asked for HLS pass 3/4');
        const reg = await session.get(attributeRef(3, '1.0.1.8.0.255', 2));
        t.equal(num(reg), expectedRegisters(NOW).importWh * 10);
        t.ok(session.invocationCounter > security.invocationCounter + 2, 'each ciphered APDU used a new invocation counter');
        await session.release();
      }
      await withDlmsSession({ ...endpoint(48), association: { authentication: 'hls-gmac', security: { systemTitle: CLIENT_TITLE, keys: KEYS, invocationCounter: 400 } } }, async (session) => {
        const target = NOW + 30;
        await session.set(attributeRef(8, '0.0.1.0.0.255', 2), Data.octetString(encodeDateTime(dateTimeFromUnix(target))));
        const clock = await session.get(attributeRef(8, '0.0.1.0.0.255', 2));
        t.equal(dateTimeToUnix(decodeDateTime((clock as { value: Uint8Array }).value)), target, 'clock set by the management client');
        await session.set(attributeRef(8, '0.0.1.0.0.255', 2), Data.octetString(encodeDateTime(dateTimeFromUnix(NOW))));
      });
      sim.meter.setClock(NOW);
    });
  });
}
