/**
 * The pairing registrar inside a real gateway (embedded aedes, SQLite, recording ledger), over
 * HTTP with the technician tool's client: enroll issues the MQTT credential only for a meter
 * key bound to the session, register checks the whole pairing result and submits
 * register-meter; every refusal (foreign or expired credential, wrong signer, replay, stale
 * time, bad binding, mismatch, ledger refusal or outage) has its code and changes nothing.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { partyIdFromPublicKey, TxType, type Signer } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { provisioningDigest, signBinding, signReceipt, summarizeProvisioning, x25519KeyPair, type PairingResult, type ProvisioningConfig } from '@wattledger/protocol/pairing';
import { startGateway, type Gateway } from '../src/gateway.js';
import { RegistrarError } from '../src/pairing/errors.js';
import { decodeEnrollRequest, encodeEnrollRequest, type EnrollRequest } from '../src/pairing/registrar-messages.js';
import { issueTechnicianCredential, signRegistrarRequest } from '../src/pairing/technician-credential.js';
import { RegistrarClient } from '../src/pairing/technician/registrar-client.js';
import { makeFixture, memoryLogger, type Fixture } from './helpers/fixture.js';
import { RecordingLedger } from './helpers/recording-ledger.js';
import { TestMeter, until } from './helpers/test-meter.js';

interface Bench {
  readonly ledger: RecordingLedger;
  readonly fixture: Fixture;
  readonly gateway: Gateway;
  readonly intermediary: Signer;
}

async function bench(t: Test): Promise<Bench> {
  const ledger = await new RecordingLedger().start();
  const fixture = makeFixture(ledger, { pairing: { host: '127.0.0.1', port: 0, intervalLength: 1800 } });
  const gateway = await startGateway(fixture.config, { logger: memoryLogger().logger });
  t.teardown(async () => {
    await gateway.close();
    await ledger.close();
    fixture.cleanup();
  });
  return { ledger, fixture, gateway, intermediary: nodeEd25519.signer(Buffer.from(fixture.intermediaryKey, 'hex')) };
}

function technician(intermediary: Signer, options: { name?: string; intermediaryId?: string; notBeforeS?: number; expiresS?: number } = {}): { signer: Signer; credential: Uint8Array } {
  const signer = nodeEd25519.signer(randomBytes(32));
  const nowS = Math.floor(Date.now() / 1000);
  const credential = issueTechnicianCredential(intermediary, {
    intermediaryId: options.intermediaryId ?? partyIdFromPublicKey(intermediary.publicKey), technicianPublicKey: signer.publicKey, name: options.name ?? 'alice',
    notBeforeS: options.notBeforeS ?? nowS - 60, expiresS: options.expiresS ?? nowS + 86_400,
  });
  return { signer, credential };
}

function client(b: Bench, tech = technician(b.intermediary), now?: () => number): RegistrarClient {
  return new RegistrarClient({ url: b.gateway.pairingUrl!, credential: tech.credential, technician: tech.signer, ...(now ? { now } : {}) });
}

/** What a meter proves in a pairing session, crafted with protocol's signers. */
function session(meter: TestMeter) {
  const staticKey = x25519KeyPair(new Uint8Array(randomBytes(32))).publicKey;
  const handshakeHash = new Uint8Array(randomBytes(32));
  const binding = signBinding(meter.signer, handshakeHash, staticKey);
  const enroll: EnrollRequest = { meterId: meter.id, staticKey, meterPublicKey: meter.signer.publicKey, handshakeHash, binding, role: { kind: 'producer', productionMethod: 1 }, ratedPowerW: 10_000 };
  const result = (provisioning: ProvisioningConfig): PairingResult => ({
    meterId: meter.id, staticKey, meterPublicKey: meter.signer.publicKey, handshakeHash, binding,
    receipt: signReceipt(meter.signer, handshakeHash, provisioningDigest(provisioning)), provisioning: summarizeProvisioning(provisioning),
  });
  return { enroll, result };
}

function registerTxs(ledger: RecordingLedger): number {
  return [...ledger.txs.values()].filter((tx) => tx.type === TxType.REGISTER_METER).length;
}

t.test('enroll then register: credential for the proven key, register-meter on the ledger, first reading accepted', async (t) => {
  const b = await bench(t);
  const meter = new TestMeter({ role: 'producer', productionMethod: 1 });
  t.teardown(() => meter.disconnect());
  const s = session(meter);
  const answer = await client(b).enroll(s.enroll);
  t.match(answer, { intermediaryId: b.fixture.intermediaryId, brokerUrl: b.gateway.brokerUrl, mqttUsername: meter.id, intervalLength: 1800 });
  t.ok(b.gateway.credentials.has(meter.id), 'MQTT credential issued');
  const provisioning: ProvisioningConfig = { intermediaryId: answer.intermediaryId, brokerUrl: answer.brokerUrl, mqttUsername: answer.mqttUsername, mqttPassword: answer.mqttPassword, role: s.enroll.role, intervalLength: answer.intervalLength };

  const registered = await client(b).register(s.result(provisioning));
  t.equal(registered.status, 'applied');
  t.equal(registerTxs(b.ledger), 1, 'one register-meter transaction');
  t.equal([...b.ledger.txs.values()][0]!.signerId, b.gateway.partyId, 'signed by the gateway key');
  t.equal(b.gateway.stats().registryMeters, 1, 'the registry knows the meter at once');

  meter.password = answer.mqttPassword;
  await meter.connect(b.gateway.brokerUrl);
  await meter.publish(meter.next());
  await meter.waitForAck(0);
  t.equal(meter.lastAck, 0, 'first reading accepted and acknowledged');

  await t.rejects(client(b).register(s.result(provisioning)), { code: 'NOT_ENROLLED' }, 'an enrollment registers once');
  const info = (await (await fetch(`${b.gateway.pairingUrl}/v1/pairing`)).json()) as { intermediaryId: string; stats: { enrolled: number; registered: number } };
  t.match(info, { intermediaryId: b.fixture.intermediaryId, stats: { enrolled: 1, registered: 1 } });
});

t.test('credentials that are not the intermediary\'s, expired, or a request signed by another key: refused, nothing issued', async (t) => {
  const b = await bench(t);
  const meter = new TestMeter();
  const s = session(meter);
  const stranger = nodeEd25519.signer(randomBytes(32));
  const cases: Array<[string, RegistrarClient, string, RegExp]> = [
    ['credential of another intermediary', client(b, technician(stranger)), 'UNAUTHORIZED', /issued for intermediary [0-9a-f]{16}, this gateway serves/],
    ['our intermediary id, signed by another key', client(b, technician(stranger, { intermediaryId: b.fixture.intermediaryId })), 'UNAUTHORIZED', /not signed by intermediary/],
    ['expired credential', client(b, technician(b.intermediary, { notBeforeS: 1_000, expiresS: 2_000 })), 'CREDENTIAL_EXPIRED', /valid from/],
    ['request signed by a key other than the credential\'s', new RegistrarClient({ url: b.gateway.pairingUrl!, credential: technician(b.intermediary).credential, technician: stranger }), 'UNAUTHORIZED', /not signed by the key of technician/],
    ['clock 10 min off', client(b, technician(b.intermediary), () => Date.now() - 600_000), 'STALE_REQUEST', /away from the gateway's clock/],
  ];
  for (const [what, c, code, message] of cases) {
    const error = await c.enroll(s.enroll).then(() => undefined, (e: unknown) => e);
    t.ok(error instanceof RegistrarError, what);
    t.match(error, { code, message }, what);
  }
  t.notOk(b.gateway.credentials.has(meter.id), 'no credential issued');
  t.equal(registerTxs(b.ledger), 0, 'nothing on the ledger');
});

t.test('a replayed request is refused', async (t) => {
  const b = await bench(t);
  const tech = technician(b.intermediary);
  const s = session(new TestMeter());
  const signed = signRegistrarRequest(tech.signer, { kind: 'enroll', credential: tech.credential, issuedAtMs: Date.now(), nonce: new Uint8Array(randomBytes(16)), body: encodeEnrollRequest(s.enroll) });
  const post = () => fetch(`${b.gateway.pairingUrl}/v1/pairing/enroll`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: signed });
  t.equal((await post()).status, 200);
  const again = await post();
  t.equal(again.status, 401);
  t.match(await again.json(), { error: 'STALE_REQUEST', message: /replayed/ });
  const wrongRoute = await fetch(`${b.gateway.pairingUrl}/v1/pairing/register`, { method: 'POST', body: signRegistrarRequest(tech.signer, { kind: 'enroll', credential: tech.credential, issuedAtMs: Date.now(), nonce: new Uint8Array(randomBytes(16)), body: encodeEnrollRequest(s.enroll) }) });
  t.match(await wrongRoute.json(), { error: 'BAD_REQUEST', message: /signed for "enroll"/ }, 'a request signed for one route is refused on the other');
  const garbage = await fetch(`${b.gateway.pairingUrl}/v1/pairing/enroll`, { method: 'POST', body: new Uint8Array(randomBytes(64)) });
  t.equal(garbage.status, 400);
});

t.test('bad binding, other values staged, unknown enrollment: refused without a ledger transaction', async (t) => {
  const b = await bench(t);
  const meter = new TestMeter();
  const other = new TestMeter();
  const s = session(meter);
  await t.rejects(client(b).enroll({ ...s.enroll, binding: session(other).enroll.binding }), { code: 'BAD_BINDING' }, 'binding of another meter');
  await t.rejects(client(b).enroll({ ...s.enroll, handshakeHash: new Uint8Array(32) }), { code: 'BAD_BINDING' }, 'binding of another session');
  t.notOk(b.gateway.credentials.has(meter.id));

  const answer = await client(b).enroll(s.enroll);
  const provisioning: ProvisioningConfig = { intermediaryId: answer.intermediaryId, brokerUrl: answer.brokerUrl, mqttUsername: answer.mqttUsername, mqttPassword: answer.mqttPassword, role: s.enroll.role, intervalLength: 1800 };
  await t.rejects(client(b).register(s.result({ ...provisioning, mqttPassword: 'not-the-issued-one' })), { code: 'MISMATCH', message: /MQTT credential/ });
  await t.rejects(client(b).register(s.result({ ...provisioning, role: { kind: 'producer', productionMethod: 2 } })), { code: 'MISMATCH', message: /role/ });
  const forged = { ...s.result(provisioning), provisioning: summarizeProvisioning({ ...provisioning, intermediaryId: 'someone-else' }) };
  await t.rejects(client(b).register(forged), { code: 'BAD_BINDING' }, 'values not covered by the meter receipt');
  await t.rejects(client(b).register(session(other).result(provisioning)), { code: 'NOT_ENROLLED' });
  t.equal(registerTxs(b.ledger), 0, 'nothing registered');
  t.equal(b.gateway.stats().registryMeters, 0);
  t.equal((await client(b).register(s.result(provisioning))).status, 'applied', 'the genuine result still registers');
});

t.test('ledger refusal and outage: refused with their codes, the registry unchanged', async (t) => {
  const b = await bench(t);
  const meter = new TestMeter();
  const s = session(meter);
  const answer = await client(b).enroll(s.enroll);
  const provisioning: ProvisioningConfig = { intermediaryId: answer.intermediaryId, brokerUrl: answer.brokerUrl, mqttUsername: answer.mqttUsername, mqttPassword: answer.mqttPassword, role: s.enroll.role, intervalLength: 1800 };
  b.ledger.failNext = 1;
  await t.rejects(client(b).register(s.result(provisioning)), { code: 'LEDGER_UNAVAILABLE' });
  const gatewayKey = b.ledger.parties.get(b.gateway.partyId)!;
  b.ledger.parties.delete(b.gateway.partyId);
  await t.rejects(client(b).register(s.result(provisioning)), { code: 'LEDGER_REFUSED', message: /UNKNOWN_SIGNER/ });
  t.equal(b.gateway.stats().registryMeters, 0, 'registry unchanged');
  b.ledger.parties.set(b.gateway.partyId, gatewayKey);
  t.equal((await client(b).register(s.result(provisioning))).status, 'applied', 'retry after the ledger recovers');
  await until(() => b.gateway.stats().registryMeters === 1, 'registry');
});

t.test('consumer enrollment needs an owner that is a party; bad values are refused before any credential', async (t) => {
  const b = await bench(t);
  const meter = new TestMeter({ role: 'consumer' });
  const s = session(meter);
  await t.rejects(client(b).enroll({ ...s.enroll, role: { kind: 'consumer', userId: 'not-a-party-id' } }), { code: 'BAD_REQUEST', message: /owner/ });
  await t.rejects(client(b).enroll({ ...s.enroll, role: { kind: 'producer', productionMethod: 99 } }), { code: 'BAD_REQUEST', message: /productionMethod/ });
  t.notOk(b.gateway.credentials.has(meter.id), 'nothing issued');
  const consumerParty = 'aabbccddeeff0011';
  const answer = await client(b).enroll({ ...s.enroll, role: { kind: 'consumer', userId: consumerParty } });
  t.equal(answer.mqttUsername, meter.id);
});

t.test('enroll request codec: round trip and garbage', async (t) => {
  const bytes = fc.uint8Array({ minLength: 32, maxLength: 32 });
  fc.assert(
    fc.property(bytes, bytes, bytes, fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.oneof(fc.record({ kind: fc.constant('producer' as const), productionMethod: fc.integer({ min: 1, max: 11 }) }), fc.record({ kind: fc.constant('consumer' as const), userId: fc.stringMatching(/^[a-z0-9]{1,20}$/) })), fc.nat(), (staticKey, meterPublicKey, handshakeHash, binding, role, ratedPowerW) => {
      const request: EnrollRequest = { meterId: '0123456789abcdef', staticKey, meterPublicKey, handshakeHash, binding, role, ratedPowerW };
      t.same(decodeEnrollRequest(encodeEnrollRequest(request)), request);
    }),
    { numRuns: 50 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (garbage) => {
      try {
        decodeEnrollRequest(garbage);
      } catch (error) {
        if (!(error instanceof RegistrarError) || error.code !== 'BAD_REQUEST') throw error;
      }
    }),
    { numRuns: 300 },
  );
});
