/**
 * Gateway-attested meters (issue #6 item 2): a legacy meter that cannot sign is registered
 * with `attestedBy` (a gateway of the same intermediary, or the intermediary itself) instead of
 * a key; its readings are made and signed by that gateway and flagged GATEWAY_ATTESTED. A meter
 * registered normally never takes a gateway's readings, an attested meter never takes anyone
 * else's, and certificates name the gateway behind every attested reading.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import {
  decodeTx, encodeCbor, issueAssetBody, MeterRole, parseLedgerTx, PartyRole, readingHash, READING_VERSION, ReadingFlag, recordUsageBody, registerMeterBody,
  signReadings, toHex, TxType, ZERO_HASH, type IntervalReading, type Signer,
} from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { LedgerMachine } from '../src/core/machine.js';
import { prepareTx } from '../src/core/prepare.js';
import { RejectCode } from '../src/core/rejection.js';
import { LedgerWorld, type Actor } from '../src/sim/ledger-world.js';
import { startLedgerNode } from '../src/start.js';
import { verifyCertificate } from '../src/certificate/verify-certificate.js';
import type { CertificateApplication, HeadersExport } from '../src/certificate/claim.js';

const SOLAR = 1;
const T0 = 1_700_000_000 - (1_700_000_000 % 1800);
const LEGACY = '4c45474143590001';
const LEGACY_HOME = '4c45474143590002';

/** A hash-chained series of readings for a meter id that no key derives, signed by whoever attests it. */
class AttestedSeries {
  seq = 0;
  prevHash = ZERO_HASH;
  constructor(readonly meterId: string, readonly role: MeterRole, readonly method: number) {}
  next(intervalStart: number, wh: number, flags: number = ReadingFlag.GATEWAY_ATTESTED): IntervalReading {
    const r: IntervalReading = {
      version: READING_VERSION, meterId: this.meterId, seq: this.seq++, intervalStart, intervalLength: 1800,
      importedWh: this.role === MeterRole.CONSUMER ? wh : 0, exportedWh: this.role === MeterRole.PRODUCER ? wh : 0, flags, productionMethod: this.method, prevHash: this.prevHash,
    };
    this.prevHash = readingHash(r);
    return r;
  }
  /** A reading signed by `signer`, without advancing the series (for refused readings). */
  peek(intervalStart: number, wh: number, signer: Signer, flags: number = ReadingFlag.GATEWAY_ATTESTED): Uint8Array {
    const saved = { seq: this.seq, prevHash: this.prevHash };
    const signed = signReadings(this.next(intervalStart, wh, flags), signer);
    Object.assign(this, saved);
    return signed;
  }
}

function world() {
  const w = new LedgerWorld({ provider: nodeEd25519, chainId: 'attested', seed: 'attested' });
  const Da = w.actor('Da', PartyRole.INTERMEDIARY);
  const Db = w.actor('Db', PartyRole.INTERMEDIARY);
  const Ga = w.actor('Ga', PartyRole.GATEWAY, Da);
  const Gb = w.actor('Gb', PartyRole.GATEWAY, Db);
  const Aa = w.actor('Aa', PartyRole.PROVIDER, Da);
  const Ca = w.actor('Ca', PartyRole.CONSUMER, Da);
  const solarAa = w.meter('solar-Aa', MeterRole.PRODUCER, Aa, Da, SOLAR, 100_000);
  const homeCa = w.meter('home-Ca', MeterRole.CONSUMER, Ca, Da, 0, 20_000);
  const attested = (meterId: string, role: MeterRole, by: Actor, attestedBy: string, method = role === MeterRole.PRODUCER ? SOLAR : 0) =>
    w.tx(TxType.REGISTER_METER, registerMeterBody({ meterId, attestedBy, role, owner: role === MeterRole.PRODUCER ? Aa.id : Ca.id, intermediary: Da.id, productionMethod: method, ratedPowerW: 100_000 }), by);
  const genesis = w.genesis([Da, Db]);
  const setup = [w.registerParty(Ga), w.registerParty(Gb), w.registerParty(Aa), w.registerParty(Ca), w.registerMeter(solarAa), w.registerMeter(homeCa), w.contract(Ca, Da, { targetPercent: 100, providers: [Aa] })];
  return { w, Da, Db, Ga, Gb, Aa, Ca, solarAa, homeCa, attested, genesis, setup };
}

t.test('register-meter body: attestedBy instead of a key', async (t) => {
  const { Ga, Aa, Da } = world();
  const body = registerMeterBody({ meterId: LEGACY, attestedBy: Ga.id, role: MeterRole.PRODUCER, owner: Aa.id, intermediary: Da.id, productionMethod: SOLAR, ratedPowerW: 5000 });
  t.same(Object.keys(body), ['meterId', 'attestedBy', 'role', 'owner', 'intermediary', 'productionMethod', 'ratedPowerW']);
  const tx = parseLedgerTx(decodeTx(world().w.tx(TxType.REGISTER_METER, body, Da)));
  t.match(tx.body, { meterId: LEGACY, attestedBy: Ga.id, publicKey: undefined });
  t.throws(() => registerMeterBody({ attestedBy: Ga.id, role: MeterRole.PRODUCER, owner: Aa.id, intermediary: Da.id, productionMethod: SOLAR, ratedPowerW: 1 }), TypeError, 'an attested meter needs its id');
  t.throws(() => registerMeterBody({ meterId: LEGACY, attestedBy: Ga.id, publicKey: Ga.signer.publicKey, role: MeterRole.PRODUCER, owner: Aa.id, intermediary: Da.id, productionMethod: SOLAR, ratedPowerW: 1 }), { name: 'RangeError', message: /no key of its own/ }, 'not both');
  t.throws(() => registerMeterBody({ meterId: LEGACY, role: MeterRole.PRODUCER, owner: Aa.id, intermediary: Da.id, productionMethod: SOLAR, ratedPowerW: 1 }), { name: 'RangeError', message: /publicKey: required/ }, 'not neither');
  const keyed = registerMeterBody({ publicKey: Ga.signer.publicKey, role: MeterRole.PRODUCER, owner: Aa.id, intermediary: Da.id, productionMethod: SOLAR, ratedPowerW: 1 });
  t.same(Object.keys(keyed), ['meterId', 'publicKey', 'role', 'owner', 'intermediary', 'productionMethod', 'ratedPowerW'], 'a keyed meter keeps its field order (same bytes, same tx ids)');
});

t.test('the rule on the ledger', async (t) => {
  const f = world();
  const { w, Da, Db, Ga, Gb, Aa, Ca, solarAa } = f;
  const machine = new LedgerMachine(f.genesis);
  let position = 0;
  const apply = (tx: Uint8Array) => machine.applyBatch(++position, [prepareTx(tx)], nodeEd25519).outcomes[0]!;
  for (const tx of f.setup) t.equal(apply(tx).status, 'applied');
  const rejected = (name: string, tx: Uint8Array, code: string, reason?: RegExp) => {
    const o = apply(tx);
    t.equal(o.status, 'rejected', `${name}: rejected`);
    t.equal(o.code, code, `${name}: ${o.reason}`);
    if (reason) t.match(o.reason, reason);
  };

  // Registration: the attestor must be a registered gateway (or the intermediary) of the meter's intermediary.
  rejected('attested by a gateway of another intermediary', f.attested(LEGACY, MeterRole.PRODUCER, Da, Gb.id), RejectCode.UNAUTHORIZED, /belongs to intermediary/);
  rejected('attested by a provider', f.attested(LEGACY, MeterRole.PRODUCER, Da, Aa.id), RejectCode.WRONG_ROLE);
  rejected('attested by an unknown party', f.attested(LEGACY, MeterRole.PRODUCER, Da, '00000000000000ff'), RejectCode.UNKNOWN_PARTY);
  rejected('registered by the other intermediary', f.attested(LEGACY, MeterRole.PRODUCER, Db, Ga.id), RejectCode.UNAUTHORIZED);
  t.equal(apply(f.attested(LEGACY, MeterRole.PRODUCER, Ga, Ga.id)).status, 'applied', 'a gateway registers a meter it attests');
  t.equal(apply(f.attested(LEGACY_HOME, MeterRole.CONSUMER, Da, Da.id)).status, 'applied', 'the intermediary may attest too');
  const meter = machine.state.meters.get(LEGACY)!;
  t.equal(meter.attestedBy, Ga.id);
  t.same(meter.publicKey, Ga.signer.publicKey, 'its readings verify under the gateway key');

  const legacy = new AttestedSeries(LEGACY, MeterRole.PRODUCER, SOLAR);
  const issue = (signed: Uint8Array, by: Actor = Ga) => w.tx(TxType.ISSUE_ASSET, issueAssetBody(signed), by);
  // The attesting gateway's reading: applied, an asset for the legacy producer's owner's intermediary.
  const first = legacy.next(T0, 1200);
  const ok = apply(issue(signReadings(first, Ga.signer)));
  t.equal(ok.status, 'applied', ok.reason ?? '');
  const asset = machine.state.assets.get(toHex(readingHash(first)))!;
  t.match(asset, { wh: 1200, meterId: LEGACY, producer: Aa.id, owner: Da.id, method: SOLAR });
  t.equal(apply(issue(signReadings(legacy.next(T0 + 1800, 900), Ga.signer), Da)).status, 'applied', 'submitted by the intermediary: the attestation is the reading signature');

  // Refusals.
  const other = nodeEd25519.signer(new Uint8Array(32).fill(7));
  rejected('a self-signed reading for an attested meter', issue(legacy.peek(T0 + 3600, 10, other, 0)), RejectCode.BAD_SIGNATURE, /must be signed by gateway/);
  rejected('an attested reading signed by a gateway of another intermediary', issue(legacy.peek(T0 + 3600, 10, Gb.signer)), RejectCode.BAD_SIGNATURE);
  rejected('... even submitted by that gateway', issue(legacy.peek(T0 + 3600, 10, Gb.signer), Gb), RejectCode.UNAUTHORIZED);
  const saved = { seq: solarAa.seq, prevHash: solarAa.prevHash };
  const forNormal = signReadings(w.reading(solarAa, T0, 500, ReadingFlag.GATEWAY_ATTESTED), Ga.signer);
  Object.assign(solarAa, saved);
  rejected('an attested reading for a meter registered with its own key', issue(forNormal), RejectCode.BAD_SIGNATURE, /not gateway-attested/);

  // Authentic but with the wrong flag: the chain advances, no energy (the gateway's quarantine).
  const before = machine.state.assets.size;
  const unflagged = apply(issue(signReadings(legacy.next(T0 + 3600, 700, 0), Ga.signer)));
  t.equal(unflagged.status, 'applied');
  t.match(unflagged.events, [{ kind: 'quarantined', meterId: LEGACY, reason: 'BAD_FLAGS' }], 'an attested meter\'s reading without the flag is quarantined');
  const normalFlagged = apply(issue(w.signed(solarAa, w.reading(solarAa, T0, 500, ReadingFlag.GATEWAY_ATTESTED)), Da));
  t.match(normalFlagged.events, [{ kind: 'quarantined', meterId: solarAa.id, reason: 'BAD_FLAGS' }], 'a meter claiming gateway attestation for itself is quarantined');
  t.equal(machine.state.assets.size, before, 'neither issued an asset');
  t.equal(apply(issue(signReadings(legacy.next(T0 + 5400, 300), Ga.signer))).status, 'applied', 'the chain goes on after them');

  // An attested consumer meter: usage recorded through the same rule.
  const home = new AttestedSeries(LEGACY_HOME, MeterRole.CONSUMER, 0);
  const usage = apply(w.tx(TxType.RECORD_USAGE, recordUsageBody(signReadings(home.next(T0, 800), Da.signer)), Ga));
  t.equal(usage.status, 'applied', usage.reason ?? '');
  t.ok([...machine.state.allUsage()].some((u) => u.consumer === Ca.id && u.wh === 800), 'usage pending for the consumer');
});

t.test('over HTTP: the meter list, and a certificate naming the attesting gateway', async (t) => {
  const f = world();
  const { w, Da, Ga, Ca, homeCa } = f;
  const dir = mkdtempSync(join(tmpdir(), 'wl-attested-'));
  const running = await startLedgerNode({ dataDir: dir, genesis: f.genesis, port: 0, verifyWorkers: 1, certificateSigners: [Da.signer] });
  t.teardown(async () => {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = async (txs: Uint8Array[]) => {
    const response = await fetch(`${running.url}/v1/tx/batch`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: encodeCbor(txs) });
    const { results } = (await response.json()) as { results: Array<{ status: string; reason?: string }> };
    t.same(results.map((r) => r.status), txs.map(() => 'applied'), JSON.stringify(results.filter((r) => r.status !== 'applied')));
  };
  const legacy = new AttestedSeries(LEGACY, MeterRole.PRODUCER, SOLAR);
  const issue = (r: IntervalReading) => w.tx(TxType.ISSUE_ASSET, issueAssetBody(signReadings(r, Ga.signer)), Ga);
  await post([...f.setup, f.attested(LEGACY, MeterRole.PRODUCER, Da, Ga.id)]);
  await post([issue(legacy.next(T0, 3000)), w.usage(homeCa, T0, 1000), issue(legacy.next(T0 + 1800, 99_999)), w.usage(homeCa, T0 + 1800, 25_000), w.close(Da, T0), w.close(Da, T0 + 1800)]);

  const meters = (await (await fetch(`${running.url}/v1/meters?intermediary=${Da.id}`)).json()) as Array<Record<string, unknown>> | { meters: Array<Record<string, unknown>> };
  const list = Array.isArray(meters) ? meters : meters.meters;
  t.match(list.find((m) => m['id'] === LEGACY), { attestedBy: Ga.id, publicKey: toHex(Ga.signer.publicKey) }, 'the meter list names the attestor and the key its readings verify under');
  t.match(list.find((m) => m['id'] === homeCa.id), { attestedBy: null });

  const period = `from=${T0}&to=${T0 + 3600}`;
  const certificate = (await (await fetch(`${running.url}/v1/certificates/${Ca.id}?${period}`)).json()) as CertificateApplication;
  const headers = (await (await fetch(`${running.url}/v1/headers`)).json()) as HeadersExport;
  t.same(certificate.attestations, [{ meterId: LEGACY, attestedBy: Ga.id }], 'the certificate says which readings a gateway attested, and which gateway');
  t.equal(certificate.claim.usageWh, 1000, 'the quarantined usage reading (25 kWh above 20 kW x 30 min) is not usage');
  t.equal(certificate.claim.renewableWh, 1000, 'allocated from the legacy producer; its implausible second reading issued nothing');
  const check = verifyCertificate(certificate, headers, nodeEd25519);
  t.same(check.errors, [], 'the offline verifier checks attested readings under the gateway key');
  const hidden = verifyCertificate({ ...certificate, attestations: [] }, headers, nodeEd25519);
  t.match(hidden.errors.join('\n'), /not the gateway-attested meters of the lineage/, 'hiding the attestation is detected');
  const html = await (await fetch(`${running.url}/v1/certificates/${Ca.id}?${period}&format=html`)).text();
  t.match(html, new RegExp(`attested by gateway <code>${Ga.id}</code>`));
});
