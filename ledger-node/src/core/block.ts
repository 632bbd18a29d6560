/**
 * Blocks (DESIGN §7): one block per ordered batch, hash-chained, committing to
 *  - txRoot: RFC 6962 Merkle root over the batch's transactions, leaf entry
 *      CBOR [tx id (32 bytes), status (0 applied, 1 rejected, 2 duplicate), reject code or null]
 *    so an inclusion proof also proves whether the transaction took effect;
 *  - eventsRoot: Merkle root over the canonical bytes of every event, in order;
 *  - stateRoot: H(previous state root || H(every record written by the block, in order)), a
 *    chain over state changes that two nodes compare to detect divergence.
 * Block hash = SHA-256 of the CBOR header; block 1's previous hash is the genesis hash.
 */
import { decodeCbor, encodeCbor, fromHex, toHex, utf8 } from '@wattledger/protocol';
import { hashes, type LeafJob } from './hashes.js';
import type { TxOutcome } from './apply.js';
import { writeEvent } from './events.js';
import { CborWriter } from './cbor-writer.js';
import { hashLeavesHere, packedMerkleRoot } from './merkle.js';
import type { ChangeSet } from './state.js';

export interface BlockHeader {
  readonly chainId: string;
  readonly height: number;
  /** Hash of the previous block (the genesis hash for block 1), hex. */
  readonly prevHash: string;
  /** Ordering position of the batch this block applies. */
  readonly position: number;
  readonly txCount: number;
  readonly txRoot: string;
  readonly eventCount: number;
  readonly eventsRoot: string;
  readonly stateRoot: string;
}

const HEADER_TAG = 'wattledger-block-v1';
export const TX_STATUS_CODES = Object.freeze({ applied: 0, rejected: 1, duplicate: 2 } as const);

export function encodeHeader(h: BlockHeader): Uint8Array {
  return encodeCbor([HEADER_TAG, h.chainId, h.height, fromHex(h.prevHash), h.position, h.txCount, fromHex(h.txRoot), h.eventCount, fromHex(h.eventsRoot), fromHex(h.stateRoot)]);
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const f = decodeCbor(bytes);
  if (!Array.isArray(f) || f.length !== 10 || f[0] !== HEADER_TAG) throw new TypeError('not a wattledger block header');
  const hex = (v: unknown): string => {
    if (!(v instanceof Uint8Array) || v.length !== 32) throw new TypeError('block header: 32-byte hash expected');
    return toHex(v);
  };
  const int = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new TypeError('block header: non-negative integer expected');
    return v;
  };
  if (typeof f[1] !== 'string') throw new TypeError('block header: chain id expected');
  return { chainId: f[1], height: int(f[2]), prevHash: hex(f[3]), position: int(f[4]), txCount: int(f[5]), txRoot: hex(f[6]), eventCount: int(f[7]), eventsRoot: hex(f[8]), stateRoot: hex(f[9]) };
}

export function blockHash(header: BlockHeader): string {
  return toHex(hashes.sha256(encodeHeader(header)));
}

export function txLeafEntry(outcome: Pick<TxOutcome, 'id' | 'status' | 'code'>): Uint8Array {
  const w = new CborWriter(64);
  writeTxLeafEntry(outcome, w);
  return w.view8().slice();
}

/** CBOR [tx id bytes, status code, reject code or null] (the profile's bytes, as encodeCbor gives them). */
function writeTxLeafEntry(outcome: Pick<TxOutcome, 'id' | 'status' | 'code'>, w: CborWriter): void {
  w.array(3).bytesFromHex(outcome.id).uint(TX_STATUS_CODES[outcome.status]);
  if (outcome.code === undefined) w.null();
  else w.text(outcome.code);
}

export function initialStateRoot(genesisHashHex: string): string {
  return toHex(hashes.sha256(utf8(`wattledger-state-v1:${genesisHashHex}`)));
}

/** stateRoot = H(previous root || H(changes.bytes)); see ChangeSet for the bytes. */
export function nextStateRoot(previous: string, changes: ChangeSet): string {
  const input = new Uint8Array(64);
  input.set(fromHex(previous), 0);
  input.set(hashes.sha256(changes.bytes), 32);
  return toHex(hashes.sha256(input));
}

export interface BuiltBlock {
  readonly header: BlockHeader;
  readonly hash: string;
  /** Leaf hashes of the transactions, packed: txCount x 32 bytes. */
  readonly txLeaves: Uint8Array;
  /** Leaf hashes of the events, packed: eventCount x 32 bytes (the events' bytes: `encodeEvent`). */
  readonly eventLeaves: Uint8Array;
}

/** One entry at a time, behind the RFC 6962 leaf prefix: H(0x00 || entry). */
const leafInput = new CborWriter(512);

/** Leaf hashes of a tree's entries (a block's transactions), packed. */
function leafHashes<T>(items: readonly T[], write: (item: T, w: CborWriter) => void): Uint8Array {
  const packed = new Uint8Array(items.length * 32);
  for (let i = 0; i < items.length; i++) {
    leafInput.position = 0;
    leafInput.byte(0);
    write(items[i]!, leafInput);
    packed.set(hashes.sha256(leafInput.view8()), i * 32);
  }
  return packed;
}

/**
 * Every block's events, back to back, and where each ends: reused from block to block (a
 * close-interval's 100,000 events are ~25 MB, which would otherwise be new ArrayBuffer memory
 * each time, the amount that makes V8 start a full collection).
 */
const eventEntries = new CborWriter(1 << 16);
let eventEnds: Uint32Array = new Uint32Array(1 << 10);
let bytesPerEvent = 200;

/** A block's Merkle leaves, begun: the events may still be hashing (see `hashes.merkleLeaves`). */
export interface BlockLeaves {
  readonly txLeaves: Uint8Array;
  readonly eventCount: number;
  readonly events: LeafJob;
}

/**
 * Starts the block's leaf hashing. LedgerMachine calls it before it encodes the state changes,
 * so that a host hashing on another thread does both at once.
 */
export function startBlockLeaves(outcomes: readonly TxOutcome[]): BlockLeaves {
  const txLeaves = leafHashes(outcomes, writeTxLeafEntry);
  eventEntries.position = 0;
  let total = 0;
  for (const outcome of outcomes) total += outcome.events.length;
  // Grown once to the block's size (estimated from the last one), not by repeated doubling.
  eventEntries.ensureCapacity(Math.ceil(total * bytesPerEvent * 1.1));
  if (eventEnds.length < total) eventEnds = new Uint32Array(total);
  let count = 0;
  for (const outcome of outcomes) {
    for (const event of outcome.events) {
      writeEvent(event, eventEntries);
      eventEnds[count++] = eventEntries.position;
    }
  }
  if (count > 0) bytesPerEvent = Math.max(16, Math.ceil(eventEntries.position / count));
  const entries = eventEntries.view8();
  const events = (hashes.merkleLeaves ?? hashLeavesHere)(entries, eventEnds, count);
  return { txLeaves, eventCount: count, events };
}

/** `leaves`: from `startBlockLeaves(outcomes)`, when the caller started them (else started here). */
export function buildBlock(args: { chainId: string; height: number; prevHash: string; position: number; prevStateRoot: string; outcomes: readonly TxOutcome[]; changes: ChangeSet; leaves?: BlockLeaves }): BuiltBlock {
  const txCount = args.outcomes.length;
  const leaves = args.leaves ?? startBlockLeaves(args.outcomes);
  const stateRoot = nextStateRoot(args.prevStateRoot, args.changes);
  const events = leaves.events.wait();
  const header: BlockHeader = {
    chainId: args.chainId,
    height: args.height,
    prevHash: args.prevHash,
    position: args.position,
    txCount,
    txRoot: toHex(packedMerkleRoot(leaves.txLeaves, txCount)),
    eventCount: leaves.eventCount,
    eventsRoot: toHex(events.root),
    stateRoot,
  };
  return { header, hash: blockHash(header), txLeaves: leaves.txLeaves, eventLeaves: events.leaves };
}
