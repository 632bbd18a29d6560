/** Sig_structure written by the ledger (src/core/to-be-signed.ts) equals the protocol's sigStructure (cbor-x). */
import t from 'tap';
import fc from 'fast-check';
import { decodeSign1, sigStructure, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { toBeSigned } from '../src/core/to-be-signed.js';
import { prepareTx } from '../src/core/prepare.js';
import { LedgerWorld } from '../src/sim/ledger-world.js';
import { MeterRole, PartyRole } from '@wattledger/protocol';

t.test('same bytes as sigStructure for protected headers and payloads of every size class', async () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.oneof(fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ minLength: 250, maxLength: 70_000 })), (protectedBytes, payload) => {
    const sign1 = { protectedBytes, payload } as Parameters<typeof toBeSigned>[0];
    return toHex(toBeSigned(sign1)) === toHex(sigStructure(protectedBytes, payload));
  }), { numRuns: 200, seed: 4 });
});

t.test('a prepared transaction carries the bytes both of its signatures cover', async (t) => {
  const w = new LedgerWorld({ provider: nodeEd25519, chainId: 'tbs' });
  const d = w.actor('D', PartyRole.INTERMEDIARY);
  const p = w.actor('P', PartyRole.PROVIDER, d);
  const meter = w.meter('m', MeterRole.PRODUCER, p, d, 1);
  const tx = prepareTx(w.issue(meter, 1_800_000_000, 500));
  const envelope = decodeSign1(tx.bytes);
  t.equal(toHex(tx.envelopeToBeSigned!), toHex(sigStructure(envelope.protectedBytes, envelope.payload)));
  t.equal(toHex(tx.readingsToBeSigned!), toHex(sigStructure(tx.readings!.sign1.protectedBytes, tx.readings!.sign1.payload)));
  t.ok(nodeEd25519.verify(meter.signer.publicKey, tx.readingsToBeSigned!, tx.readings!.sign1.signature), 'the meter signature verifies over it');
  const bad = prepareTx(new Uint8Array([1, 2, 3]));
  t.equal(bad.envelopeToBeSigned, undefined, 'nothing to verify for bytes that do not decode');
});
