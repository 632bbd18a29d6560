/**
 * Certificate application of the patent's worked example, end to end over HTTP: the node
 * applies the log, the intermediary's key signs the application, and the offline verifier
 * accepts it against exported headers, and refuses every tampered copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { encodeCbor, fromHex, toHex } from '@wattledger/protocol';
import { nodeEd25519 } from '@wattledger/protocol/node';
import { startLedgerNode } from '../src/start.js';
import { verifyCertificate } from '../src/certificate/verify-certificate.js';
import type { CertificateApplication, HeadersExport } from '../src/certificate/claim.js';
import { patentWorld, T1, T3 } from './helpers/patent-world.js';

t.test('certificate application over HTTP', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-cert-'));
  const w = patentWorld({ withPolicy: true });
  const { Da, Ca } = w.actors;
  const running = await startLedgerNode({ dataDir: dir, genesis: w.genesis, port: 0, verifyWorkers: 1, certificateSigners: [Da.signer] });

  async function post(txs: Uint8Array[], url = running.url) {
    const response = await fetch(`${url}/v1/tx/batch`, { method: 'POST', headers: { 'content-type': 'application/cbor' }, body: encodeCbor(txs) });
    const body = (await response.json()) as { results: Array<{ status: string; code?: string }> };
    if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${JSON.stringify(body)}`);
    return body;
  }
  for (const batch of [w.setup, w.interval1, w.interval2, w.interval3, [w.world.requestCertificate(Ca, T1, T3 + 1800)]]) {
    const { results } = await post(batch);
    t.same(results.map((r) => r.status), batch.map(() => 'applied'), JSON.stringify(results.filter((r) => r.status !== 'applied')));
  }

  const period = `from=${T1}&to=${T3 + 1800}`;
  const certificate = (await (await fetch(`${running.url}/v1/certificates/${Ca.id}?${period}`)).json()) as CertificateApplication;
  const headers = (await (await fetch(`${running.url}/v1/headers`)).json()) as HeadersExport;

  await t.test('the certificate shows the expected share', async (t) => {
    const c = certificate.claim;
    t.equal(c.usageWh, 190_000);
    t.equal(c.renewableWh, 30_000, 'solar 20 kWh (own) + 10 kWh (via Db)');
    t.same(c.byMethod, [{ method: 1, wh: 30_000 }, { method: 9, wh: 160_000 }]);
    t.equal(c.renewablePercent, 15.79);
    t.equal(c.intermediary, Da.id);
  });

  await t.test('the offline verifier accepts it', async (t) => {
    const result = verifyCertificate(certificate, headers, nodeEd25519);
    t.same(result.errors, []);
    t.ok(result.ok);
    t.equal(result.renewablePercent, 15.79);
  });

  await t.test('the HTML page is printable and names the share', async (t) => {
    const response = await fetch(`${running.url}/v1/certificates/${Ca.id}?${period}&format=html`);
    t.match(response.headers.get('content-type'), /text\/html/);
    const html = await response.text();
    t.match(html, /15\.79 %/);
    t.match(html, /via <code>/);
  });

  await t.test('tampered certificates are refused', async (t) => {
    type Loose = { claim: Record<string, unknown>; signed: string; evidence: { events: Array<{ proof: string[]; bytes: string }>; txs: Array<{ bytes: string }> } };
    const clone = (): Loose => JSON.parse(JSON.stringify(certificate)) as Loose;
    const cases: Array<[string, (c: Loose) => void]> = [
      ['readable share inflated', (c) => (c.claim['renewablePercent'] = 40)],
      ['readable totals differ from the signed claim', (c) => (c.claim['renewableWh'] = 190_000)],
      ['a signature byte flipped', (c) => {
        const bytes = fromHex(c.signed);
        bytes[bytes.length - 1]! ^= 1;
        c.signed = toHex(bytes);
      }],
      ['a proof step altered', (c) => {
        const item = c.evidence.events[0]!;
        item.proof = item.proof.length > 0 ? ['00'.repeat(32), ...item.proof.slice(1)] : ['00'.repeat(32)];
      }],
      ['an oil allocation dropped from the evidence', (c) => c.evidence.events.pop()],
      ['a producer reading left out', (c) => {
        c.evidence.txs = c.evidence.txs.filter((x) => !x.bytes.includes(toHex(new TextEncoder().encode('issue-asset'))));
      }],
    ];
    for (const [name, mutate] of cases) {
      const tampered = clone();
      mutate(tampered);
      const result = verifyCertificate(tampered, headers, nodeEd25519);
      t.notOk(result.ok, name);
      t.ok(result.errors.length > 0, `${name}: ${result.errors[0] ?? ''}`);
    }
  });

  await t.test('headers that do not chain are refused', async (t) => {
    const bad = JSON.parse(JSON.stringify(headers)) as { headers: string[] };
    bad.headers.splice(1, 1);
    t.notOk(verifyCertificate(certificate, bad, nodeEd25519).ok);
    const wrongGenesis = JSON.parse(JSON.stringify(headers)) as { genesisHash: string };
    wrongGenesis.genesisHash = '00'.repeat(32);
    t.notOk(verifyCertificate(certificate, wrongGenesis, nodeEd25519).ok);
  });

  await t.test('a node without the intermediary key answers 409', async (t) => {
    const other = await startLedgerNode({ dataDir: join(dir, 'other'), genesis: w.genesis, port: 0, verifyWorkers: 0 });
    try {
      const empty = await fetch(`${other.url}/v1/certificates/${Ca.id}?${period}`);
      t.equal(empty.status, 404, 'Ca is unknown on an empty ledger');
      await post(w.setup, other.url);
      const response = await fetch(`${other.url}/v1/certificates/${Ca.id}?${period}`);
      t.equal(response.status, 409);
      t.match(await response.json(), { error: { code: 'NO_SIGNING_KEY' } });
    } finally {
      await other.close();
    }
    const unknown = await fetch(`${running.url}/v1/certificates/${'ab'.repeat(8)}?${period}`);
    t.equal(unknown.status, 404);
    t.match(await unknown.json(), { error: { code: 'UNKNOWN_PARTY' } });
  });

  await running.close();
  rmSync(dir, { recursive: true, force: true });
});
