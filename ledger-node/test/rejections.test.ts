/**
 * Every transaction type fed malformed, forged (wrong key), unauthorized, replayed and
 * out-of-order input: a typed rejection with a code, and the state exactly as before.
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { encodeCbor, fromHex, issueAssetBody, MeterRole, PartyRole, registerMeterBody, signTx, TxType, type TxBody } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerMachine } from '../src/core/machine.js';
import { prepareTx } from '../src/core/prepare.js';
import { applyPrepared } from '../src/core/apply.js';
import { RejectCode } from '../src/core/rejection.js';
import { patentWorld, SOLAR, T1, T2, T3 } from './helpers/patent-world.js';

function fixture() {
  const p = patentWorld({ withPolicy: true, seed: 'rejections' });
  const machine = new LedgerMachine(p.genesis);
  let position = 0;
  const apply = (txs: Uint8Array[]) => machine.applyBatch(++position, txs.map(prepareTx), nodeEd25519);
  for (const o of apply([...p.setup, ...p.interval1, p.interval2[0]!]).outcomes) if (o.status !== 'applied') throw new Error(`${o.type}: ${o.reason}`);
  return { ...p, machine, apply };
}

const f = fixture();
const { world: w, actors, meters, machine } = f;
const { Da, Db, Aa, Ca } = actors;
const stranger = w.actor('stranger', PartyRole.INTERMEDIARY);

/** Applies one tx in its own block and checks it is rejected with `code` and changes nothing. */
function expectRejected(t: Test, name: string, tx: Uint8Array, code: string): void {
  const head = machine.head;
  const assets = machine.state.assets.size;
  const applied = f.apply([tx]);
  const outcome = applied.outcomes[0]!;
  t.equal(outcome.status, 'rejected', `${name}: rejected`);
  t.equal(outcome.code, code, `${name}: ${outcome.reason ?? ''}`);
  t.ok(typeof outcome.reason === 'string' && outcome.reason.length > 0, `${name}: has a reason`);
  t.equal(applied.changes.length, 0, `${name}: no record changed`);
  t.equal(machine.state.assets.size, assets, `${name}: no asset added or removed`);
  t.equal(applied.block.header.prevHash, head.hash, `${name}: the block still chains`);
}

let rawNonce = 90_000;
/** Signs an arbitrary body as Da, bypassing the builders' validation (signTx checks only value types). */
function signRaw(type: string, body: Record<string, unknown>): Uint8Array {
  return signTx({ type: type as TxType, nonce: rawNonce++, body: body as TxBody }, Da.signer, fromHex(Da.id));
}

t.test('malformed transactions', async (t) => {
  expectRejected(t, 'not CBOR', new Uint8Array([0xff, 0x00, 0x13]), RejectCode.BAD_TX);
  expectRejected(t, 'empty map body field', w.tx(TxType.CLOSE_INTERVAL, { intermediary: Da.id, intervalStart: T2 }, Da).slice(0, 40), RejectCode.BAD_TX);
  const bad = signRaw;
  expectRejected(t, 'register-party with id not derived from key', bad(TxType.REGISTER_PARTY, { id: Aa.id, role: 'consumer', publicKey: stranger.signer.publicKey, region: 'JP', name: 'x' }), RejectCode.BAD_TX);
  expectRejected(t, 'register-meter with unknown role', bad(TxType.REGISTER_METER, { ...registerMeterBody({ publicKey: w.signerFor('m-x').publicKey, role: MeterRole.PRODUCER, owner: Aa.id, intermediary: Da.id, productionMethod: SOLAR, ratedPowerW: 1 }), role: 'prosumer' }), RejectCode.BAD_TX);
  expectRejected(t, 'issue-asset without readings', bad(TxType.ISSUE_ASSET, {}), RejectCode.BAD_TX);
  expectRejected(t, 'issue-asset whose readings are not COSE', bad(TxType.ISSUE_ASSET, { readings: encodeCbor([1, 2, 3]) }), RejectCode.BAD_READING);
  expectRejected(t, 'set-contract with target 101 %', bad(TxType.SET_CONTRACT, { consumer: Ca.id, intermediary: Da.id, periodStart: 0, periodEnd: 10, plannedWhPerHour: 1, targetPercent: 101, providers: [], granular: false }), RejectCode.BAD_TX);
  expectRejected(t, 'set-transfer-policy with unknown method', bad(TxType.SET_TRANSFER_POLICY, { intermediary: Da.id, rules: [{ to: Db.id, methods: [99], priority: 0 }] }), RejectCode.BAD_TX);
  expectRejected(t, 'close-interval with text interval', bad(TxType.CLOSE_INTERVAL, { intermediary: Da.id, intervalStart: 'soon' }), RejectCode.BAD_TX);
  expectRejected(t, 'transfer of zero Wh', bad(TxType.TRANSFER, { assetId: 'ab'.repeat(32), to: Db.id, wh: 0 }), RejectCode.BAD_TX);
  expectRejected(t, 'request-certificate with an empty period', bad(TxType.REQUEST_CERTIFICATE, { consumer: Ca.id, periodStart: 5, periodEnd: 5 }), RejectCode.BAD_TX);
  expectRejected(t, 'unknown body field', bad(TxType.CLOSE_INTERVAL, { intermediary: Da.id, intervalStart: T2, extra: 1 }), RejectCode.BAD_TX);
});

t.test('forged and unauthorized transactions', async (t) => {
  // Signed by a key that is not registered.
  expectRejected(t, 'unregistered signer', w.close(Da, T2, stranger), RejectCode.UNKNOWN_SIGNER);
  // Claims to be Da (kid) but is signed by Db's key.
  const forgedEnvelope = w.tx(TxType.CLOSE_INTERVAL, { intermediary: Da.id, intervalStart: T2 }, { ...Da, signer: Db.signer });
  expectRejected(t, 'envelope signed with another key', forgedEnvelope, RejectCode.BAD_SIGNATURE);
  // A reading for Aa's solar meter signed by the oil meter's key.
  const reading = w.reading(meters.solarAa, T2, 1000);
  meters.solarAa.seq--;
  const forgedReading = w.tx(TxType.ISSUE_ASSET, issueAssetBody(w.signed({ ...meters.solarAa, signer: meters.oilAb.signer }, reading)), Da);
  expectRejected(t, 'reading signed with another meter key', forgedReading, RejectCode.BAD_SIGNATURE);
  expectRejected(t, 'Db closes Da', w.close(Da, T2, Db), RejectCode.UNAUTHORIZED);
  expectRejected(t, 'Db submits Da meter readings', w.issue(meters.solarAa, T2, 10, Db), RejectCode.UNAUTHORIZED);
  meters.solarAa.seq--;
  expectRejected(t, 'register-party signed by an intermediary', w.registerParty(stranger, Da), RejectCode.UNAUTHORIZED);
  expectRejected(t, 'register-meter for another intermediary', w.registerMeter(w.meter('x', MeterRole.PRODUCER, Aa, Da, SOLAR, 1), Db), RejectCode.UNAUTHORIZED);
  const open = [...machine.state.assets.values()].find((a) => a.status === 'open' && a.owner === Da.id);
  t.ok(open, 'Da holds an open asset');
  expectRejected(t, 'transfer by a non-owner', w.transfer(open!.id, Db, Db, 1), RejectCode.UNAUTHORIZED);
  expectRejected(t, 'transfer of more than the asset holds', w.transfer(open!.id, Da, Db, open!.wh + 1), RejectCode.INSUFFICIENT_WH);
  expectRejected(t, 'transfer of an unknown asset', w.transfer('cd'.repeat(32), Da, Db, 1), RejectCode.UNKNOWN_ASSET);
  expectRejected(t, 'contract for an unknown consumer', w.contract(stranger, Da, { targetPercent: 1, providers: [] }), RejectCode.UNKNOWN_PARTY);
  expectRejected(t, 'certificate asked by another consumer\'s intermediary', w.requestCertificate(Ca, T1, T2, Db), RejectCode.UNAUTHORIZED);
});

t.test('replayed and out-of-order transactions', async (t) => {
  const tx = w.issue(meters.oilAb, T2, 5000);
  t.equal(f.apply([tx]).outcomes[0]!.status, 'applied');
  const replay = f.apply([tx]);
  t.equal(replay.outcomes[0]!.status, 'duplicate', 'the same bytes again: duplicate');
  t.equal(replay.changes.length, 0);
  // The same reading in a new envelope (new nonce): the reading itself is a replay.
  const again = w.tx(TxType.ISSUE_ASSET, prepareTx(tx).ledger!.body as never, Da);
  expectRejected(t, 'the same reading re-wrapped', again, RejectCode.REPLAYED_READING);
  // A reading with a lower sequence number than the last accepted one.
  const saved = { seq: meters.oilAb.seq, prevHash: meters.oilAb.prevHash };
  meters.oilAb.seq -= 2;
  expectRejected(t, 'sequence number going back', w.issue(meters.oilAb, T1, 10), RejectCode.REPLAYED_READING);
  Object.assign(meters.oilAb, saved);
  // A reading that skips its predecessor in the hash chain.
  w.reading(meters.oilAb, T3, 1);
  expectRejected(t, 'chain link missing', w.issue(meters.oilAb, T3, 10), RejectCode.CHAIN_BROKEN);
  Object.assign(meters.oilAb, saved);
  t.equal(f.apply([w.close(Da, T2)]).outcomes[0]!.status, 'applied');
  expectRejected(t, 'closing an earlier interval', w.close(Da, T1), RejectCode.INTERVAL_ALREADY_CLOSED);
  expectRejected(t, 'closing the same interval twice', w.close(Da, T2), RejectCode.INTERVAL_ALREADY_CLOSED);
  expectRejected(t, 'closing a misaligned interval', w.close(Da, T3 + 7), RejectCode.INTERVAL_NOT_ALIGNED);
  expectRejected(t, 'a consumer meter issuing assets', w.tx(TxType.ISSUE_ASSET, issueAssetBody(w.signed(meters.meterCa, w.reading(meters.meterCa, T3, 5))), Da), RejectCode.WRONG_ROLE);
  meters.meterCa.seq--;
  const unregistered = w.meter('unregistered', MeterRole.PRODUCER, Aa, Da, SOLAR, 1000);
  expectRejected(t, 'a meter that was never registered', w.issue(unregistered, T3, 10), RejectCode.UNKNOWN_METER);
  const tiny = w.meter('tiny', MeterRole.PRODUCER, Aa, Da, SOLAR, 1000);
  t.equal(f.apply([w.registerMeter(tiny)]).outcomes[0]!.status, 'applied');
  // Energy above rated power x interval (1 kW x 30 min = 500 Wh) is quarantined, not rejected (test/quarantine.test.ts).
  const implausible = f.apply([w.issue(tiny, T3, 501)]).outcomes[0]!;
  t.equal(implausible.status, 'applied', 'an implausible reading keeps the chain');
  t.match(implausible.events, [{ kind: 'quarantined', meterId: tiny.id, reason: 'IMPLAUSIBLE_ENERGY' }], 'and is recorded as quarantined');
});

t.test('decoding never throws on garbage, truncation or one byte at a time', async (t) => {
  const valid = w.issue(meters.solarAc, T3, 1234, Db);
  for (let n = 0; n < valid.length; n++) {
    const p = prepareTx(valid.subarray(0, n));
    if (p.error === undefined) t.fail(`prefix of ${n} bytes decoded`);
  }
  t.pass('every strict prefix is refused with a typed error');
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
    const p = prepareTx(bytes);
    return p.error !== undefined && (p.error.code === RejectCode.BAD_TX || p.error.code === RejectCode.BAD_READING);
  }), { numRuns: 500, seed: 7 });
  fc.assert(fc.property(fc.nat(valid.length - 1), fc.integer({ min: 1, max: 255 }), (at, flip) => {
    const bytes = valid.slice();
    bytes[at]! ^= flip;
    const outcome = applyPrepared(new LedgerMachine(f.genesis).state, prepareTx(bytes), { verifier: nodeEd25519, height: 1 });
    return outcome.status === 'rejected' && typeof outcome.code === 'string';
  }), { numRuns: 300, seed: 11 });
  t.pass('random bit flips of a valid transaction are rejected with a code');
});
