/**
 * The core's SHA-256 slot (src/core/hashes.ts): one fixed deterministic log replayed with each
 * implementation gives the same blocks, byte for byte. Compared with each other, not with
 * hard-coded roots, so the test survives format changes but not a hash that disagrees.
 */
import t from 'tap';
import fc from 'fast-check';
import { sha256 as nobleSha256 } from '@wattledger/protocol';
import { nodeEd25519, nodeSha256 } from '@wattledger/protocol/node';
import { hashes, type LeafHasher, type Sha256, type Sha256Hex } from '../src/core/hashes.js';
import { workerLeafHasher } from '../src/node/leaf-hasher.js';
import { hostSha256, hostSha256Hex } from '../src/node/host-sha256.js';
import { LedgerMachine } from '../src/core/machine.js';
import { prepareTx } from '../src/core/prepare.js';
import { commandArb, RandomLedger } from './helpers/random-log.js';

interface BlockSummary {
  readonly hash: string;
  readonly stateRoot: string;
  readonly txRoot: string;
  readonly eventsRoot: string;
  readonly eventCount: number;
}

/** A fixed log: setup, then fast-check commands from a fixed seed, in batches of 1 to 5. */
function replay(sha256: Sha256, seed: number, host: { merkleLeaves?: LeafHasher; sha256Hex?: Sha256Hex } = {}): BlockSummary[] {
  const saved = hashes.sha256;
  hashes.sha256 = sha256;
  hashes.merkleLeaves = host.merkleLeaves;
  hashes.sha256Hex = host.sha256Hex;
  try {
    const commands = fc.sample(fc.array(commandArb, { minLength: 120, maxLength: 120 }), { seed, numRuns: 1 })[0]!;
    const log = new RandomLedger(`hashes-${seed}`);
    const machine = new LedgerMachine(log.genesis);
    const blocks: BlockSummary[] = [];
    let position = 0;
    const apply = (txs: Uint8Array[]): void => {
      const { block } = machine.applyBatch(++position, txs.map(prepareTx), nodeEd25519);
      const h = block.header;
      blocks.push({ hash: block.hash, stateRoot: h.stateRoot, txRoot: h.txRoot, eventsRoot: h.eventsRoot, eventCount: h.eventCount });
    };
    apply(log.setup);
    let batch: Uint8Array[] = [];
    commands.forEach((command, i) => {
      const tx = log.materialize(command, machine.state);
      if (tx !== undefined) batch.push(tx);
      if (batch.length > 0 && i % (1 + (i % 5)) === 0) {
        apply(batch);
        batch = [];
      }
    });
    if (batch.length > 0) apply(batch);
    return blocks;
  } finally {
    hashes.sha256 = saved;
    hashes.merkleLeaves = undefined;
    hashes.sha256Hex = undefined;
  }
}

t.test('noble, node:crypto and the node shell\'s give the same blocks on a fixed log', async (t) => {
  t.equal(hashes.sha256, nobleSha256, 'the default is the portable implementation');
  for (const seed of [7, 8]) {
    const noble = replay(nobleSha256, seed);
    t.ok(noble.some((b) => b.eventCount > 1), `seed ${seed}: blocks with several events (Merkle trees of more than one leaf)`);
    t.ok(noble.length > 20, `seed ${seed}: ${noble.length} blocks`);
    for (const [name, sha256] of [['node:crypto', nodeSha256], ['node shell', hostSha256]] as const) {
      t.same(replay(sha256, seed), noble, `seed ${seed}, ${name}: every block hash, state root, tx root and events root equal noble's`);
    }
    // Every block's events through the worker thread (no minimum), as a node shell hashes a close-interval's.
    const hasher = workerLeafHasher({ minEntries: 0 });
    try {
      t.same(replay(hostSha256, seed, { merkleLeaves: hasher.hash, sha256Hex: hostSha256Hex }), noble, `seed ${seed}, as the node shell: hex digests for piece ids, events hashed on a worker thread: the same blocks`);
    } finally {
      await hasher.close();
    }
  }
});

t.test('a hash that differs changes the blocks (the comparison can fail)', async (t) => {
  const flipped: Sha256 = (bytes) => {
    const digest = nodeSha256(bytes);
    digest[31]! ^= 1;
    return digest;
  };
  const noble = replay(nobleSha256, 7);
  const other = replay(flipped, 7);
  t.not(other[other.length - 1]!.hash, noble[noble.length - 1]!.hash);
  t.not(other[other.length - 1]!.stateRoot, noble[noble.length - 1]!.stateRoot);
  t.equal(hashes.sha256, nobleSha256, 'the slot is restored');
});
