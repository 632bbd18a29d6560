/** checkChain: the DESIGN §4 hash chain and sequence rules, with crafted chains and properties. */
import fc from 'fast-check';
import t from 'tap';
import { readingHash, READING_VERSION, ZERO_HASH, type IntervalReading } from '@wattledger/protocol';
import { checkChain, type ChainHead } from '../src/pipeline/chain.js';

const METER = '0123456789abcdef';
const START = 1_700_006_400; // aligned to 1800 s

/** A chain of readings with the given sequence numbers, linked from `prev`. */
function chain(seqs: number[], prev: Uint8Array = ZERO_HASH): IntervalReading[] {
  const out: IntervalReading[] = [];
  let prevHash = prev;
  for (const seq of seqs) {
    const r: IntervalReading = { version: READING_VERSION, meterId: METER, seq, intervalStart: START + seq * 1800, intervalLength: 1800, importedWh: 0, exportedWh: seq % 50, flags: 0, productionMethod: 1, prevHash };
    out.push(r);
    prevHash = readingHash(r);
  }
  return out;
}

const hashes = (rs: IntervalReading[]): Uint8Array[] => rs.map(readingHash);
const none = (): undefined => undefined;
const INITIAL: ChainHead = { seq: -1, hash: ZERO_HASH };

t.test('a fresh meter starts its chain at zeros; later readings link', async (t) => {
  const rs = chain([0, 1, 2]);
  const outcome = checkChain(INITIAL, rs, hashes(rs), none);
  t.same(outcome, { kind: 'new', firstNew: 0, head: { seq: 2, hash: readingHash(rs[2]!) }, skipped: 0 });
  const next = chain([3], readingHash(rs[2]!));
  t.match(checkChain({ seq: 2, hash: readingHash(rs[2]!) }, next, hashes(next), none), { kind: 'new', firstNew: 0 });
});

t.test('skipped sequence numbers are reported, not refused, when the chain links', async (t) => {
  const rs = chain([0, 5, 9]);
  t.match(checkChain(INITIAL, rs, hashes(rs), none), { kind: 'new', skipped: 7 });
});

t.test('duplicates, replays, breaks and gaps', async (t) => {
  const rs = chain([0, 1, 2, 3]);
  const head = { seq: 3, hash: readingHash(rs[3]!) };
  const held = (seq: number): Uint8Array | undefined => (seq <= 3 ? readingHash(rs[seq]!) : undefined);
  t.same(checkChain(head, [rs[1]!], [readingHash(rs[1]!)], held), { kind: 'duplicate' }, 'an exact copy is a duplicate');
  t.same(checkChain(head, rs, hashes(rs), held), { kind: 'duplicate' }, 'a batch of copies is a duplicate');
  const other = { ...rs[2]!, exportedWh: 999 };
  t.match(checkChain(head, [other], [readingHash(other)], held), { kind: 'reject', reason: 'stale_seq' }, 'same seq, other content');
  t.match(checkChain(head, [rs[1]!], [readingHash(rs[1]!)], none), { kind: 'reject', reason: 'stale_seq' }, 'below the head, not held');
  const broken = chain([4], new Uint8Array(32).fill(9));
  t.match(checkChain(head, broken, hashes(broken), held), { kind: 'reject', reason: 'chain_broken' }, 'next seq, wrong prevHash');
  const gap = chain([6], new Uint8Array(32).fill(9));
  t.match(checkChain(head, gap, hashes(gap), held), { kind: 'reject', reason: 'chain_gap' }, 'later seq, unknown predecessor');
  const overlap = [...rs.slice(2), ...chain([4, 5], readingHash(rs[3]!))];
  t.match(checkChain(head, overlap, hashes(overlap), held), { kind: 'new', firstNew: 2, head: { seq: 5 } }, 'a batch overlapping the head: new part found');
  const inner = [...chain([4], readingHash(rs[3]!)), ...chain([5], new Uint8Array(32))];
  t.match(checkChain(head, inner, hashes(inner), held), { kind: 'reject', reason: 'chain_broken' }, 'a batch broken inside');
  const zeroAgain = chain([4]);
  t.match(checkChain(head, zeroAgain, hashes(zeroAgain), held), { kind: 'reject', reason: 'chain_broken' }, 'restarting at zeros after the first reading');
});

t.test('property: a valid chain split anywhere is accepted piece by piece; any altered prevHash is refused', async () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 20 }), fc.nat(), fc.nat(), (steps, cutSeed, flipSeed) => {
      const seqs = steps.reduce<number[]>((acc, s) => [...acc, (acc[acc.length - 1] ?? -1) + s], []);
      const rs = chain(seqs);
      const cut = 1 + (cutSeed % (rs.length - 1));
      const first = checkChain(INITIAL, rs.slice(0, cut), hashes(rs.slice(0, cut)), none);
      if (first.kind !== 'new') return false;
      const second = checkChain(first.head, rs.slice(cut), hashes(rs.slice(cut)), none);
      if (second.kind !== 'new' || second.head.seq !== seqs[seqs.length - 1]) return false;
      const i = flipSeed % rs.length;
      const bad = rs.map((r, k) => (k === i ? { ...r, prevHash: Uint8Array.from(r.prevHash, (b, j) => (j === 0 ? b ^ 1 : b)) } : r));
      return checkChain(INITIAL, bad, hashes(bad), none).kind === 'reject';
    }),
  );
});
