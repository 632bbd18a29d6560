/**
 * The DLMS bridge end to end (issue #6 item 2), all real: the project's DLMS meter simulator
 * over TCP (HDLC), a gateway whose `dlms` section polls it and attests its load profile with
 * the gateway key, and a ledger-node (embedded sequencer, in process) where the legacy
 * producer meter is registered with `attestedBy` = that gateway. Every interval with export
 * becomes an asset of the legacy producer; the chain continues across polls.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { buildLedgerTx, MeterRole, partyIdFromPublicKey, registerMeterBody, toHex, TxType } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { parseConfig, startGateway } from '@wattledger/gateway';
import { intervalEnergy, startTcpMeterSimulator } from '@wattledger/gateway/dlms';
import { parseGenesis, startLedgerNode } from '@wattledger/ledger-node';

const INTERVAL_S = 1800;
const START = 1719792000; // 2024-07-01T00:00:00Z
const LEGACY = '4c45474143590001';
const SOLAR = 1;

interface AssetView { id: string; wh: number; meterId: string; producer: string; method: number; intervalStart: number; owner: string }

t.test('DLMS simulator -> gateway poller -> ledger-node: assets for the legacy producer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-dlms-e2e-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [admin, intermediary, gatewayKey, provider] = [0, 1, 2, 3].map(() => randomBytes(32));
  const signer = (seed: Buffer) => nodeEd25519.signer(seed);
  const D = signer(intermediary!);
  const G = signer(gatewayKey!);
  const A = signer(provider!);
  const id = (s: { publicKey: Uint8Array }) => partyIdFromPublicKey(s.publicKey);
  const genesis = parseGenesis({
    chainId: 'dlms-e2e', intervalS: INTERVAL_S,
    parties: [
      { role: 'admin', publicKey: toHex(signer(admin!).publicKey), name: 'Consortium', region: 'JP' },
      { role: 'intermediary', publicKey: toHex(D.publicKey), name: 'Utility North', region: 'JP' },
      { role: 'gateway', publicKey: toHex(G.publicKey), name: 'Gateway 1', region: 'JP', intermediary: id(D) },
      { role: 'provider', publicKey: toHex(A.publicKey), name: 'Old PV plant', region: 'JP', intermediary: id(D) },
    ],
  });
  const ledger = await startLedgerNode({ dataDir: join(dir, 'ledger'), genesis, port: 0, verifyWorkers: 0 });
  t.teardown(() => ledger.close());

  // The legacy meter: no key of its own, attested by the gateway.
  const register = buildLedgerTx(TxType.REGISTER_METER, registerMeterBody({ meterId: LEGACY, attestedBy: id(G), role: MeterRole.PRODUCER, owner: id(A), intermediary: id(D), productionMethod: SOLAR, ratedPowerW: 5000 }), { signer: D, signerId: id(D), nonce: 1 });
  const registered = (await (await fetch(`${ledger.url}/v1/tx`, { method: 'POST', headers: { 'content-type': 'application/cose' }, body: register })).json()) as { status: string; reason?: string };
  t.equal(registered.status, 'applied', registered.reason ?? 'register-meter applied');

  let now = START + 86400 + 60;
  const sim = await startTcpMeterSimulator({ framing: 'hdlc', meter: { now: () => now, capturePeriod: INTERVAL_S, profileStart: START - 86400 } });
  t.teardown(() => sim.close());
  const gateway = await startGateway(parseConfig({
    dataDir: join(dir, 'gateway'),
    identity: { key: toHex(gatewayKey!), intermediaryId: id(D), intermediaryKey: toHex(intermediary!) },
    mqtt: { embedded: { host: '127.0.0.1', port: 0 } },
    pipeline: { verifyWorkers: 1 },
    ledger: { url: ledger.url, registrySyncMs: 60_000, closeIntervals: false, retryMaxMs: 100 },
    http: false,
    log: { level: 'silent' },
    dlms: { meters: [{ name: 'old-pv', meterId: LEGACY, tcp: { host: sim.host, port: sim.port }, client: 16, productionMethod: 'solar', backfillS: 12 * 3600 }] },
  }), { now: () => now * 1000 });
  t.teardown(() => gateway.close());

  const assetsOfLegacy = async (): Promise<AssetView[]> => {
    const body = (await (await fetch(`${ledger.url}/v1/assets?owner=${id(D)}&limit=1000`)).json()) as { assets: AssetView[] };
    return body.assets.filter((a) => a.meterId === LEGACY).sort((a, b) => a.intervalStart - b.intervalStart);
  };
  const expectedAssets = (from: number, to: number): Array<[number, number]> => {
    const out: Array<[number, number]> = [];
    for (let s = from; s < to; s += INTERVAL_S) {
      const { exportWh } = intervalEnergy(s / INTERVAL_S, INTERVAL_S);
      if (exportWh > 0) out.push([s, exportWh]);
    }
    return out;
  };

  const [first] = await gateway.dlms!.pollAll();
  t.equal(first?.error, undefined, `first poll ${first?.error?.message ?? 'ok'}`);
  t.equal(first?.readings, 24, 'twelve hours of 30-min intervals');
  await gateway.flush();
  const firstEnd = START + 86400;
  const firstFrom = firstEnd - 12 * 3600;
  let assets = await assetsOfLegacy();
  t.ok(assets.length > 0, `${assets.length} assets issued`);
  t.same(assets.map((a) => [a.intervalStart, a.wh]), expectedAssets(firstFrom, firstEnd), 'one asset per interval with export, with the meter\'s energy');
  t.ok(assets.every((a) => a.producer === id(A) && a.method === SOLAR && a.owner === id(D)), 'owned by the intermediary, produced by the legacy producer, solar');
  t.equal(gateway.metrics.ledgerTx.get({ type: 'issue-asset', status: 'rejected' }), 0, 'the ledger rejected nothing');

  // A day later: the chain continues from the cursor; the midday intervals issue assets.
  now += 86400;
  const [second] = await gateway.dlms!.pollAll();
  t.equal(second?.readings, 48, 'the next day, from where the last poll stopped');
  await gateway.flush();
  assets = await assetsOfLegacy();
  t.same(assets.map((a) => [a.intervalStart, a.wh]), expectedAssets(firstFrom, firstEnd + 86400), 'assets for the whole span, none twice');
  const meter = (await (await fetch(`${ledger.url}/v1/meters/${LEGACY}`)).json()) as { lastSeq: number; attestedBy: string };
  t.equal(meter.lastSeq, 71, 'the ledger took every reading of the chain');
  t.equal(meter.attestedBy, id(G));
  t.equal(gateway.metrics.ledgerTx.get({ type: 'issue-asset', status: 'rejected' }), 0);
});
