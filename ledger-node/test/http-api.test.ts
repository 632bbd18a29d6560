/**
 * The HTTP API against a real node on 127.0.0.1: every route answers, and malformed,
 * oversized, mistyped and unknown input gets a JSON error (or a typed rejection) and leaves
 * the ledger unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { encodeCbor, MAX_TX_BYTES } from '@wattledger/protocol';
import { startLedgerNode } from '../src/start.js';
import { patentWorld, T1, T2 } from './helpers/patent-world.js';

t.test('HTTP API', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-http-'));
  const w = patentWorld({ withPolicy: true, seed: 'http' });
  const { Da, Ca } = w.actors;
  const running = await startLedgerNode({ dataDir: dir, genesis: w.genesis, port: 0, verifyWorkers: 0 });
  const url = running.url;
  const json = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${url}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const postTx = (bytes: Uint8Array, type = 'application/cose') => json('/v1/tx', { method: 'POST', headers: { 'content-type': type }, body: bytes });
  const postBatch = (body: Uint8Array, type = 'application/cbor') => json('/v1/tx/batch', { method: 'POST', headers: { 'content-type': type }, body });

  await t.test('submit one by one and in batches', async (t) => {
    const first = await postTx(w.setup[0]!);
    t.equal(first.status, 200);
    t.match(first.body, { status: 'applied', height: 1 });
    t.match((await postTx(w.setup[0]!)).body, { status: 'duplicate', height: 1 }, 'same bytes again');
    const batch = await postBatch(encodeCbor(w.setup.slice(1)));
    t.equal(batch.status, 200);
    t.same(batch.body['results'].map((r: { status: string }) => r.status), w.setup.slice(1).map(() => 'applied'));
    const mixed = await postBatch(encodeCbor([...w.interval1, new Uint8Array([1, 2, 3])]));
    t.same(mixed.body['results'].map((r: { status: string; code?: string }) => r.code ?? r.status), ['applied', 'applied', 'applied', 'BAD_TX'], 'results in order, garbage rejected in place');
    const tx = await json(`/v1/tx/${first.body['id']}`);
    t.match(tx.body, { status: 'applied', type: 'register-party', height: 1, index: 0 });
  });

  const height = (await json('/health')).body['height'] as number;

  await t.test('malformed submissions', async (t) => {
    t.match(await postTx(new Uint8Array([0xd2, 0x84, 0x40])), { status: 200, body: { status: 'rejected', code: 'BAD_TX' } }, 'truncated COSE');
    t.match(await postTx(w.setup[0]!, 'application/json'), { status: 400, body: { error: { code: 'BAD_REQUEST' } } }, 'binary sent as JSON');
    t.match(await postTx(new TextEncoder().encode('{}'), 'application/json'), { status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } }, 'JSON instead of COSE');
    t.match(await postTx(w.setup[0]!, 'text/plain'), { status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
    t.match(await postTx(new Uint8Array(0)), { status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    t.match(await postTx(new Uint8Array(MAX_TX_BYTES + 1)), { status: 413, body: { error: { code: 'TOO_LARGE' } } });
    t.match(await postBatch(new Uint8Array([0xff, 0xff])), { status: 400, body: { error: { code: 'BAD_CBOR' } } });
    t.match(await postBatch(encodeCbor(new Map([[1, 2]]))), { status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    t.match(await postBatch(encodeCbor(['text'])), { status: 400, body: { error: { code: 'BAD_REQUEST', message: /item 0/ } } });
    t.match(await postBatch(encodeCbor([w.setup[0]!]), 'application/cose'), { status: 415 });
    const forged = w.world.close(Da, T2, w.actors.Db);
    t.match(await postTx(forged), { status: 200, body: { status: 'rejected', code: 'UNAUTHORIZED' } }, 'a forged close is ordered and rejected');
    t.equal((await json('/health')).body['height'], height + 1, 'only the well-formed forged tx made a block');
  });

  await t.test('queries', async (t) => {
    t.match(await json('/health'), { status: 200, body: { status: 'ok', chainId: 'patent' } });
    t.equal((await json('/v1/parties')).body['parties'].length, 7);
    t.equal((await json(`/v1/parties?role=intermediary`)).body['parties'].length, 2);
    const meters = (await json(`/v1/meters?intermediary=${Da.id}`)).body['meters'];
    t.equal(meters.length, 3);
    const solar = (await json(`/v1/meters/${w.meters.solarAa.id}`)).body;
    t.match(solar, { id: w.meters.solarAa.id, role: 'producer', owner: w.actors.Aa.id, intermediary: Da.id, productionMethod: 1, ratedPowerW: 100_000_000, lastSeq: 1 });
    t.match(solar['lastReadingHash'], /^[0-9a-f]{64}$/);
    t.match(await json(`/v1/meters/${'00'.repeat(8)}`), { status: 404, body: { error: { code: 'UNKNOWN_METER' } } });
    t.match(await json('/v1/meters/xyz'), { status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    const assets = (await json(`/v1/assets?owner=${Ca.id}&status=allocated&from=${T1}&to=${T2}`)).body;
    t.equal(assets['matched'], 1);
    t.match(assets['assets'][0], { owner: Ca.id, status: 'allocated', wh: 20_000, methodName: 'solar' });
    t.match(await json('/v1/assets?status=burnt'), { status: 400 });
    t.match(await json('/v1/assets?limit=0'), { status: 400 });
    t.equal((await json('/v1/contracts')).body['contracts'].length, 1);
    t.match((await json(`/v1/history/${Ca.id}`)).body, { consumer: Ca.id, totalWh: 20_000, renewableWh: 20_000 });
    t.match(await json(`/v1/history/${'00'.repeat(8)}`), { status: 404 });
    const blocks = (await json('/v1/blocks?from=1&limit=2')).body['blocks'];
    t.equal(blocks.length, 2);
    t.equal(blocks[1].prevHash, blocks[0].hash, 'blocks chain');
    const allocations = (await json(`/v1/allocations?intermediary=${Da.id}&interval=${T1}`)).body;
    t.match(allocations['events'], [{ kind: 'allocate', consumer: Ca.id, wh: 20_000, methodName: 'solar' }]);
    t.match(await json('/v1/allocations'), { status: 400, body: { error: { code: 'BAD_REQUEST' } } });
    const headers = (await json('/v1/headers')).body;
    t.equal(headers['headers'].length, (await json('/health')).body['height']);
    t.match(await json('/v1/nothing'), { status: 404, body: { error: { code: 'NOT_FOUND' } } });
    t.match(await json(`/v1/tx/${'0'.repeat(64)}`), { status: 404, body: { error: { code: 'NOT_FOUND' } } });
    t.match(await json('/v1/tx/zz'), { status: 400 });
    t.match(await json(`/v1/certificates/${Ca.id}?from=5`), { status: 400 });
  });

  await running.close();
  rmSync(dir, { recursive: true, force: true });
});
