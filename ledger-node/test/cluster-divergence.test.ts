import t from 'tap';
import fc from 'fast-check';
import { encodeRootRecord, isCheckpoint, judgeHeight, parseRootRecord, peerRootsAt, rootsOf, type RootRecord } from '../src/cluster/divergence.js';

const R1 = '11'.repeat(32);
const R2 = '22'.repeat(32);
const R3 = '33'.repeat(32);
const peers = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

t.test('three nodes, one wrong root: the wrong one stops, the others only report it', async (t) => {
  t.same(judgeHeight('c', R2, peers({ a: R1, b: R1 }), 3), { kind: 'local-diverged', agreedRoot: R1 });
  t.same(judgeHeight('a', R1, peers({ b: R1, c: R2 }), 3), { kind: 'peers-diverged', peers: ['c'] });
  t.same(judgeHeight('b', R1, peers({ a: R1, c: R2 }), 3), { kind: 'peers-diverged', peers: ['c'] });
});

t.test('all equal: agree', async (t) => {
  t.same(judgeHeight('a', R1, peers({ b: R1, c: R1 }), 3), { kind: 'agree' });
  t.same(judgeHeight('a', R1, peers({}), 1), { kind: 'agree' }, 'a single node agrees with itself');
});

t.test('a majority that agrees decides without waiting for the rest', async (t) => {
  t.same(judgeHeight('a', R1, peers({ b: R1 }), 3), { kind: 'agree' });
  t.same(judgeHeight('c', R2, peers({ a: R1, b: R1 }), 5), { kind: 'undecided' }, '2 of 5 is no majority');
});

t.test('without a majority the verdict waits, then everyone stops', async (t) => {
  t.same(judgeHeight('a', R1, peers({ c: R2 }), 3), { kind: 'undecided' }, 'b has not reported yet');
  t.same(judgeHeight('a', R1, peers({ b: R2 }), 2), { kind: 'local-diverged', agreedRoot: undefined }, 'two nodes, two roots');
  t.same(judgeHeight('a', R1, peers({ b: R2, c: R3 }), 3), { kind: 'local-diverged', agreedRoot: undefined }, 'three roots');
});

t.test('a record of this node among the peers is ignored', async (t) => {
  t.same(judgeHeight('a', R1, peers({ a: R2, b: R1 }), 2), { kind: 'agree' });
});

t.test('property: at most one root is ever agreed, and only the holders of another root stop', async (t) => {
  const root = fc.constantFrom(R1, R2, R3);
  fc.assert(fc.property(fc.array(root, { minLength: 1, maxLength: 7 }), fc.nat(3), (roots, extra) => {
    const ids = roots.map((_, i) => `n${i}`);
    const registered = roots.length + extra;
    const verdicts = ids.map((id, i) => judgeHeight(id, roots[i]!, new Map(ids.map((p, j) => [p, roots[j]!])), registered));
    const agreed = new Set(verdicts.flatMap((v, i) => (v.kind === 'agree' || v.kind === 'peers-diverged' ? [roots[i]] : [])));
    if (agreed.size > 1) return false;
    const holders = (r: string): number => roots.filter((x) => x === r).length;
    return verdicts.every((v, i) => {
      // A node that goes on holds a root of a strict majority of all registered nodes.
      if (v.kind === 'agree' || v.kind === 'peers-diverged') return holders(roots[i]!) * 2 > registered;
      // A node stopped by an agreed root holds another one, and the agreed one has a majority.
      if (v.kind === 'local-diverged' && v.agreedRoot !== undefined) return v.agreedRoot !== roots[i] && holders(v.agreedRoot) * 2 > registered;
      return true;
    });
  }));
});

t.test('a peer that agrees at a later height agreed at every earlier one (roots are chained)', async (t) => {
  const local = new Map([[5, R1], [6, R2], [7, R3]]);
  const rootAt = (h: number): string | undefined => local.get(h);
  const reports = new Map([
    ['b', new Map([[7, R3]])], // agrees at 7: held R1 at 5 too
    ['c', new Map([[7, R2]])], // differs at 7: says nothing about 5
    ['d', new Map([[5, R2]])], // reported 5 itself
    ['e', new Map([[9, R1]])], // beyond this node's head: cannot be compared
  ]);
  t.same([...peerRootsAt(5, R1, reports, rootAt, 7)], [['b', R1], ['d', R2]]);
  t.same(judgeHeight('a', R1, peerRootsAt(5, R1, reports, rootAt, 7), 4), { kind: 'undecided' });
});

t.test('checkpoints', async (t) => {
  t.notOk(isCheckpoint(0, 16));
  t.ok(isCheckpoint(32, 16));
  t.notOk(isCheckpoint(33, 16));
});

t.test('root records: round trip, and anything malformed is refused', async (t) => {
  const record: RootRecord = { height: 40, stateRoot: R1, checkpoints: [[16, R2], [32, R3]] };
  t.same(parseRootRecord(encodeRootRecord(record)), record);
  t.same(parseRootRecord(encodeRootRecord({ ...record, halted: 'diverged' }))?.halted, 'diverged');
  t.same([...rootsOf(record)], [[16, R2], [32, R3], [40, R1]]);
  for (const bad of ['', 'null', '[]', '{"height":-1,"stateRoot":"' + R1 + '","checkpoints":[]}', '{"height":1,"stateRoot":"xyz","checkpoints":[]}',
    '{"height":1,"stateRoot":"' + R1 + '","checkpoints":[[1]]}', '{"height":1.5,"stateRoot":"' + R1 + '","checkpoints":[]}', '{"height":1,"stateRoot":"' + R1 + '"}']) {
    t.equal(parseRootRecord(bad), undefined, bad.slice(0, 40));
  }
  fc.assert(fc.property(fc.string(), (text) => {
    const parsed = parseRootRecord(text);
    return parsed === undefined || typeof parsed.height === 'number';
  }));
});
