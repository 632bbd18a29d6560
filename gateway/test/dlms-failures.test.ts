import t from 'tap';
import { createServer } from 'node:net';
import { fromHex } from '@wattledger/protocol';
import { AccessError, AssociationError, attributeRef, Data, HdlcError, methodRef, SecurityError, WrapperError, type SecurityKeys } from '@wattledger/protocol/dlms';
import { openDlmsSession, withDlmsSession, type DlmsClientOptions } from '../src/dlms/client.js';
import { startTcpMeterSimulator } from '../src/dlms/simulator/tcp-simulator.js';
import { TransportError } from '../src/dlms/transport.js';

const NOW = 1719835200;
const KEYS: SecurityKeys = { encryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'), authenticationKey: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf') };
const WRONG: SecurityKeys = { encryptionKey: fromHex('000102030405060708090a0b0c0d0e0f'), authenticationKey: fromHex('00d1d2d3d4d5d6d7d8d9dadbdcdddedf') };
const TITLE = fromHex('4d4d4d0000000001');
const meter = { now: () => NOW, profileStart: NOW - 86400, keys: KEYS, password: 'secret12' };

for (const framing of ['hdlc', 'wrapper'] as const) {
  t.test(`failure paths over ${framing}`, async (t) => {
    const sim = await startTcpMeterSimulator({ framing, meter });
    t.teardown(() => sim.close());
    const at = (client: number): DlmsClientOptions => ({ tcp: { host: sim.host, port: sim.port, framing }, client, responseTimeoutMs: 1500 });

    await t.test('wrong LLS password: the association layer fails with the meter\'s reason', async (t) => {
      const error = await withDlmsSession({ ...at(32), association: { authentication: 'lls', password: 'guess' } }, async () => 0).catch((e: unknown) => e);
      t.type(error, AssociationError);
      t.match(error, { layer: 'ASSOCIATION', code: 'DLMS_ASSOCIATION_AUTHENTICATION', reason: 'authentication-failure' });
      const none = await withDlmsSession({ ...at(32), association: { authentication: 'none' } }, async () => 0).catch((e: unknown) => e);
      t.match(none, { code: 'DLMS_ASSOCIATION_AUTHENTICATION', reason: 'authentication-mechanism-name-required' }, 'LLS client without a password');
      const unknown = await withDlmsSession({ ...at(99), association: {} }, async () => 0).catch((e: unknown) => e);
      t.match(unknown, { code: 'DLMS_ASSOCIATION_REJECTED', reason: 'no-reason-given' }, 'an unknown client SAP');
    });

    await t.test('wrong key: HLS pass 3 refused (plain context), glo-initiate-request undecipherable (ciphered context)', async (t) => {
      const plain = await withDlmsSession({ ...at(48), association: { authentication: 'hls-gmac', security: { systemTitle: TITLE, keys: WRONG, cipherApdus: false } } }, async () => 0).catch((e: unknown) => e);
      t.type(plain, AssociationError);
      t.match(plain, { code: 'DLMS_ASSOCIATION_AUTHENTICATION', reason: 'read-write-denied', message: /HLS-GMAC: the meter rejected our reply/ });
      const ciphered = await withDlmsSession({ ...at(48), association: { authentication: 'hls-gmac', security: { systemTitle: TITLE, keys: WRONG, invocationCounter: 5000 } } }, async () => 0).catch((e: unknown) => e);
      t.match(ciphered, { layer: 'ASSOCIATION', code: 'DLMS_ASSOCIATION_REJECTED', message: /xDLMS: other/ });
    });

    await t.test('exception responses and data-access-results become AccessErrors with the meter\'s reason', async (t) => {
      const session = await openDlmsSession(at(16));
      const early = await session.get(attributeRef(8, '0.0.1.0.0.255', 2)).catch((e: unknown) => e);
      t.type(early, AccessError);
      t.match(early, { code: 'DLMS_ACCESS_EXCEPTION', reason: 'service-not-allowed / operation-not-possible' }, 'GET before the association');
      await session.associate();
      t.match(await session.get(attributeRef(1, '9.9.9.9.9.255', 2)).catch((e: unknown) => e), { code: 'DLMS_ACCESS_FAILED', reason: 'object-undefined' });
      t.match(await session.get(attributeRef(3, '0.0.1.0.0.255', 2)).catch((e: unknown) => e), { reason: 'object-class-inconsistent' });
      t.match(await session.set(attributeRef(8, '0.0.1.0.0.255', 2), Data.octetString(new Uint8Array(12))).catch((e: unknown) => e), { code: 'DLMS_ACCESS_DENIED', reason: 'read-write-denied' }, 'the public client may not set the clock');
      t.match(await session.action(methodRef(7, '1.0.99.1.0.255', 1)).catch((e: unknown) => e), { code: 'DLMS_ACCESS_DENIED', reason: 'read-write-denied' });
      const list = await session.getWithList([{ attribute: attributeRef(3, '1.0.1.8.0.255', 2) }, { attribute: attributeRef(3, '1.0.1.8.0.255', 9) }]);
      t.ok(list[0]!.data !== undefined && list[1]!.error === 11, 'with-list: one value, one object-unavailable');
      await session.release();
    });

    await t.test('a replayed invocation counter is refused by the meter', async (t) => {
      const security = { systemTitle: TITLE, keys: KEYS, invocationCounter: 9000 };
      await withDlmsSession({ ...at(48), association: { authentication: 'hls-gmac', security } }, (s) => s.get(attributeRef(1, '0.0.42.0.0.255', 2)));
      const replay = await withDlmsSession({ ...at(48), association: { authentication: 'hls-gmac', security } }, async () => 0).catch((e: unknown) => e);
      t.match(replay, { code: 'DLMS_ASSOCIATION_REJECTED' }, 'the glo-initiate-request with a used counter is refused');
    });

    await t.test('a silent meter ends in a timeout naming the layer', async (t) => {
      const silent = await startTcpMeterSimulator({ framing, meter: { ...meter, silent: true } });
      t.teardown(() => silent.close());
      const options: DlmsClientOptions = { tcp: { host: silent.host, port: silent.port, framing }, client: 16, responseTimeoutMs: 80, maxRetries: 1 };
      const error = await withDlmsSession(options, async () => 0).catch((e: unknown) => e);
      if (framing === 'hdlc') {
        t.type(error, HdlcError);
        t.match(error, { layer: 'HDLC', code: 'DLMS_HDLC_TIMEOUT', message: /no UA to SNRM .* 2 attempts/ });
      } else {
        t.type(error, TransportError);
        t.match(error, { layer: 'TRANSPORT', code: 'DLMS_TRANSPORT_TIMEOUT', message: /no answer from the meter/ });
      }
    });
  });
}

t.test('transport failures: connection refused, a peer that speaks the other framing', async (t) => {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  const refused = await openDlmsSession({ tcp: { host: '127.0.0.1', port }, client: 16 }).catch((e: unknown) => e);
  t.match(refused, { layer: 'TRANSPORT', code: 'DLMS_TRANSPORT_CONNECT' });

  const hdlcMeter = await startTcpMeterSimulator({ framing: 'hdlc', meter });
  t.teardown(() => hdlcMeter.close());
  const wrongFraming = await withDlmsSession({ tcp: { host: hdlcMeter.host, port: hdlcMeter.port, framing: 'wrapper' }, client: 16, responseTimeoutMs: 300 }, async () => 0).catch((e: unknown) => e);
  t.ok(wrongFraming instanceof WrapperError || wrongFraming instanceof TransportError, `${(wrongFraming as Error).name}: ${(wrongFraming as Error).message}`);
});

t.test('ciphered answers are checked: replayed server counter', async (t) => {
  const sim = await startTcpMeterSimulator({ framing: 'wrapper', meter });
  t.teardown(() => sim.close());
  const session = await openDlmsSession({ tcp: { host: sim.host, port: sim.port, framing: 'wrapper' }, client: 48, association: { authentication: 'hls-gmac', security: { systemTitle: TITLE, keys: KEYS, invocationCounter: 20000 } } });
  await session.associate();
  sim.meter.invocationCounter -= 3;
  const error = await session.get(attributeRef(1, '0.0.42.0.0.255', 2)).catch((e: unknown) => e);
  t.type(error, SecurityError);
  t.match(error, { layer: 'SECURITY', code: 'DLMS_SECURITY_REPLAY' });
  await session.release();
});
