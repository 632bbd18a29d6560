/**
 * Transaction bodies of protocol/src/ledger: every builder's output survives signing and
 * decoding unchanged, builders refuse bad arguments with RangeError, parsers refuse bad
 * bodies with BadTxError naming the field.
 */
import t from 'tap';
import fc from 'fast-check';
import {
  BadTxError, buildLedgerTx, closeIntervalBody, decodeTx, MeterRole, parseLedgerTx, partyIdFromPublicKey, PartyRole, registerMeterBody, registerPartyBody,
  requestCertificateBody, setContractBody, setTransferPolicyBody, transferBody, TxType, parseLedgerBody,
} from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';

const signer = nodeEd25519.signer(new Uint8Array(32).fill(1));
const signerId = partyIdFromPublicKey(signer.publicKey);
const id16 = fc.stringMatching(/^[0-9a-f]{16}$/);
const uint = fc.integer({ min: 0, max: 0xffffffff });

function roundTrip(type: TxType, body: ReturnType<typeof closeIntervalBody>): unknown {
  return parseLedgerTx(decodeTx(buildLedgerTx(type, body, { signer, signerId, nonce: 1 }))).body;
}

t.test('builders survive signing and decoding', async (t) => {
  fc.assert(fc.property(id16, uint, (intermediary, intervalStart) => {
    const body = { intermediary, intervalStart };
    return JSON.stringify(roundTrip(TxType.CLOSE_INTERVAL, closeIntervalBody(body))) === JSON.stringify(body);
  }), { numRuns: 200 });
  fc.assert(fc.property(id16, id16, uint, uint, fc.integer({ min: 0, max: 100 }), fc.uniqueArray(id16, { maxLength: 5 }), fc.boolean(), (consumer, intermediary, a, b, targetPercent, providers, granular) => {
    const body = { consumer, intermediary, periodStart: Math.min(a, b), periodEnd: Math.max(a, b) + (a === b ? 1 : 0), plannedWhPerHour: 900, targetPercent, providers, granular };
    if (body.periodEnd > 0xffffffff) return true;
    return JSON.stringify(roundTrip(TxType.SET_CONTRACT, setContractBody(body))) === JSON.stringify(body);
  }), { numRuns: 200 });
  fc.assert(fc.property(id16, fc.uniqueArray(fc.record({ to: id16, methods: fc.uniqueArray(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 4 }), priority: uint }), { selector: (r) => r.to, maxLength: 4 }), (intermediary, rules) => {
    const body = { intermediary, rules };
    return JSON.stringify(roundTrip(TxType.SET_TRANSFER_POLICY, setTransferPolicyBody(body))) === JSON.stringify(body);
  }), { numRuns: 200 });
  const key = nodeEd25519.signer(new Uint8Array(32).fill(2)).publicKey;
  const party = roundTrip(TxType.REGISTER_PARTY, registerPartyBody({ role: PartyRole.GATEWAY, publicKey: key, region: 'JP-13', name: 'gw 1', intermediary: signerId }));
  t.match(party, { id: partyIdFromPublicKey(key), role: 'gateway', intermediary: signerId });
  const meter = roundTrip(TxType.REGISTER_METER, registerMeterBody({ publicKey: key, role: MeterRole.PRODUCER, owner: signerId, intermediary: signerId, productionMethod: 1, ratedPowerW: 4000 }));
  t.match(meter, { meterId: partyIdFromPublicKey(key), ratedPowerW: 4000 });
  t.match(roundTrip(TxType.TRANSFER, transferBody({ assetId: 'ab'.repeat(32), to: signerId, wh: 5 })), { wh: 5 });
  t.match(roundTrip(TxType.REQUEST_CERTIFICATE, requestCertificateBody({ consumer: signerId, periodStart: 0, periodEnd: 1 })), { periodEnd: 1 });
});

t.test('builders refuse bad arguments; parsers name the bad field', async (t) => {
  t.throws(() => closeIntervalBody({ intermediary: 'nope', intervalStart: 0 }), RangeError);
  t.throws(() => transferBody({ assetId: 'ab'.repeat(32), to: signerId, wh: 0 }), RangeError);
  t.throws(() => setContractBody({ consumer: signerId, intermediary: signerId, periodStart: 5, periodEnd: 5, plannedWhPerHour: 0, targetPercent: 1, providers: [], granular: false }), RangeError);
  t.throws(() => registerPartyBody({ role: PartyRole.GATEWAY, publicKey: signer.publicKey, region: '', name: 'gw' }), RangeError, 'a gateway needs its intermediary');
  t.throws(() => buildLedgerTx(TxType.CLOSE_INTERVAL, { intermediary: signerId, intervalStart: 0 }, { signer, signerId: 'x', nonce: 0 }), TypeError);
  const cases: Array<[TxType, Record<string, unknown>, RegExp]> = [
    [TxType.CLOSE_INTERVAL, { intermediary: signerId }, /intervalStart: required/],
    [TxType.CLOSE_INTERVAL, { intermediary: signerId, intervalStart: -1 }, /intervalStart/],
    [TxType.CLOSE_INTERVAL, { intermediary: signerId, intervalStart: 1, x: 1 }, /x: unknown field/],
    [TxType.TRANSFER, { assetId: 'AB'.repeat(32), to: signerId, wh: 1 }, /assetId/],
    [TxType.SET_TRANSFER_POLICY, { intermediary: signerId, rules: [{ to: signerId, methods: [], priority: 0 }] }, /methods: at least one/],
    [TxType.SET_TRANSFER_POLICY, { intermediary: signerId, rules: ['x'] }, /rules\[0\]: map expected/],
    [TxType.REGISTER_METER, { meterId: signerId, publicKey: signer.publicKey, role: 'consumer', owner: signerId, intermediary: signerId, productionMethod: 1, ratedPowerW: 0 }, /production method 0/],
    [TxType.ISSUE_ASSET, { readings: new Uint8Array(0) }, /readings: empty/],
  ];
  for (const [type, body, message] of cases) {
    try {
      parseLedgerBody(type, body as never);
      t.fail(`${type}: accepted ${JSON.stringify(body)}`);
    } catch (error) {
      t.ok(error instanceof BadTxError && message.test((error as Error).message), `${type}: ${(error as Error).message}`);
    }
  }
});
