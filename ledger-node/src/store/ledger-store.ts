/**
 * The node's own SQLite database: blocks, transactions with their outcome, events, and a
 * snapshot of every state record as of the last committed block. One SQLite transaction per
 * block keeps the snapshot, the chain head and the block consistent, so a restart resumes
 * exactly after the last block (ordering replays the rest).
 *
 * synchronous=NORMAL (WAL) is enough here: the ordering log is the durable record of what was
 * acknowledged; a block lost from this file by a power cut is applied again from the log.
 */
import Database from 'better-sqlite3';
import type { AppliedBlock, ChainHead } from '../core/machine.js';
import { decodeHeader, encodeHeader, type BlockHeader } from '../core/block.js';
import type { PreparedTx } from '../core/prepare.js';
import type { LedgerState } from '../core/state.js';
import type { RecordKind } from '../core/record-codec.js';
import { writeEvent, type LedgerEvent } from '../core/events.js';
import { CborWriter } from '../core/cbor-writer.js';

export interface StoredTx {
  readonly id: string;
  readonly height: number;
  readonly index: number;
  readonly type: string | null;
  readonly signer: string | null;
  readonly status: string;
  readonly code: string | null;
  readonly reason: string | null;
  readonly bytes: Uint8Array;
}

export interface StoredEvent {
  readonly height: number;
  readonly index: number;
  readonly bytes: Uint8Array;
}

export interface StoredBlock {
  readonly height: number;
  readonly hash: string;
  readonly header: BlockHeader;
  readonly txLeaves: Uint8Array[];
  readonly eventLeaves: Uint8Array[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (height INTEGER PRIMARY KEY, hash TEXT NOT NULL, header BLOB NOT NULL, tx_leaves BLOB NOT NULL, event_leaves BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS txs (id TEXT NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL, type TEXT, signer TEXT, status TEXT NOT NULL, code TEXT, reason TEXT, bytes BLOB NOT NULL, id52 INTEGER);
CREATE INDEX IF NOT EXISTS txs_at ON txs (height, idx);
CREATE TABLE IF NOT EXISTS events (height INTEGER NOT NULL, idx INTEGER NOT NULL, kind TEXT NOT NULL, consumer TEXT, intermediary TEXT, close_interval INTEGER, usage_interval INTEGER, bytes BLOB NOT NULL, PRIMARY KEY (height, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS events_consumer ON events (consumer, usage_interval) WHERE consumer IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_close ON events (intermediary, close_interval) WHERE intermediary IS NOT NULL;
CREATE TABLE IF NOT EXISTS meter_txs (meter_id TEXT NOT NULL, first_interval INTEGER NOT NULL, last_interval INTEGER NOT NULL, height INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (meter_id, height, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registrations (subject TEXT PRIMARY KEY, height INTEGER NOT NULL, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS records_key ON records (kind, key);
`;

/**
 * Transactions are found by id through an index of the id's first 52 bits (13 hex digits, an
 * exact double) rather than of the 64-character text: ids are SHA-256, so every block's
 * inserts land all over that index, and each commit writes every page they touch; an entry
 * of ~12 bytes instead of ~75 is ~5 times fewer pages. Two ids sharing 52 bits are told apart
 * by the text (`AND id = ?`). The state machine records every id and never stores one twice.
 */
const TXS_ID_INDEX = 'CREATE INDEX IF NOT EXISTS txs_id52 ON txs (id52)';

/** The index key of a transaction id (NaN for text that is not hex: no row has it). */
function id52(id: string): number {
  return parseInt(id.slice(0, 13), 16);
}

/** Data directories written before `id52` existed: fill the column, index it, drop the text index. */
function migrateTxIndex(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(txs)').all();
  if (!columns.some((c) => c.name === 'id52')) {
    db.transaction(() => {
      db.exec('ALTER TABLE txs ADD COLUMN id52 INTEGER');
      const set = db.prepare<[number, number]>('UPDATE txs SET id52 = ? WHERE rowid = ?');
      for (const row of db.prepare<[], { rowid: number; id: string }>('SELECT rowid, id FROM txs').all()) set.run(id52(row.id), row.rowid);
    })();
  }
  db.exec(TXS_ID_INDEX);
  db.exec('DROP INDEX IF EXISTS txs_id');
}

function unpackLeaves(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 32) out.push(bytes.slice(i, i + 32));
  return out;
}

const u8 = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** The close an event belongs to: the intermediary and interval of the close-interval transaction that emitted it. */
type CloseContext = readonly [intermediary: string, closeInterval: number] | undefined;

/** Index columns [consumer, intermediary, close interval, usage interval] of an event. */
function eventColumns(event: LedgerEvent, close: CloseContext): [string | null, string | null, number | null, number | null] {
  switch (event.kind) {
    case 'allocate':
    case 'unmatched':
      return [event.consumer, event.intermediary, event.closeInterval, event.usageInterval];
    case 'borrow':
      return [event.consumer, event.borrower, event.closeInterval, null];
    case 'quarantined':
      return [null, event.intermediary, null, null];
    case 'transfer':
    case 'expire':
      // Inside a close (borrowed pieces, assets expiring on the way) they belong to that close;
      // an owner's transfer transaction is listed under the intermediary it came from.
      if (close !== undefined) return [null, close[0], close[1], null];
      return [null, event.kind === 'transfer' ? event.from : event.owner, null, null];
  }
}

export class LedgerStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly commit: (applied: AppliedBlock, txs: readonly PreparedTx[]) => void;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Checkpoint every ~40 MB of WAL instead of every 4 MB: a block of 2,000 transactions
    // writes ~1 MB, and each checkpoint costs page copies and two fsyncs on this thread.
    // Pages stay 4 KiB: a commit writes every page its random index keys touch, and on a long
    // chain (indexes far larger than a block's keys) that is one page per key; larger pages
    // only pay off while the database is small.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.db.exec(SCHEMA);
    migrateTxIndex(this.db);
    const db = this.db;
    this.statements = {
      setMeta: db.prepare<[string, string]>('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      insertBlock: db.prepare<[number, string, Uint8Array, Uint8Array, Uint8Array]>('INSERT INTO blocks (height, hash, header, tx_leaves, event_leaves) VALUES (?, ?, ?, ?, ?)'),
      insertTx: db.prepare<[string, number, number, string | null, string | null, string, string | null, string | null, Uint8Array, number]>('INSERT INTO txs (id, height, idx, type, signer, status, code, reason, bytes, id52) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      insertEvent: db.prepare<[number, number, string, string | null, string | null, number | null, number | null, Uint8Array]>('INSERT INTO events (height, idx, kind, consumer, intermediary, close_interval, usage_interval, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      insertMeterTx: db.prepare<[string, number, number, number, number]>('INSERT OR IGNORE INTO meter_txs (meter_id, first_interval, last_interval, height, idx) VALUES (?, ?, ?, ?, ?)'),
      meterTxs: db.prepare<[string, number, number], { height: number; idx: number }>('SELECT height, idx FROM meter_txs WHERE meter_id = ? AND last_interval >= ? AND first_interval < ? ORDER BY height, idx'),
      insertRegistration: db.prepare<[string, number, number]>('INSERT OR IGNORE INTO registrations (subject, height, idx) VALUES (?, ?, ?)'),
      registration: db.prepare<[string], { height: number; idx: number }>('SELECT height, idx FROM registrations WHERE subject = ?'),
      // An update in place, where INSERT OR REPLACE deletes the row and its index entry first.
      putRecord: db.prepare<[string, string, Uint8Array]>('INSERT INTO records (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value'),
      deleteRecord: db.prepare<[string, string]>('DELETE FROM records WHERE kind = ? AND key = ?'),
      getTx: db.prepare<[number, string], { id: string; height: number; idx: number; type: string | null; signer: string | null; status: string; code: string | null; reason: string | null; bytes: Uint8Array }>('SELECT id, height, idx, type, signer, status, code, reason, bytes FROM txs WHERE id52 = ? AND id = ?'),
      txAt: db.prepare<[number, number], { id: string; bytes: Uint8Array }>('SELECT id, bytes FROM txs WHERE height = ? AND idx = ?'),
      getBlock: db.prepare<[number], { height: number; hash: string; header: Uint8Array; tx_leaves: Uint8Array; event_leaves: Uint8Array }>('SELECT * FROM blocks WHERE height = ?'),
      headers: db.prepare<[number, number], { header: Uint8Array }>('SELECT header FROM blocks WHERE height >= ? ORDER BY height LIMIT ?'),
      consumerEvents: db.prepare<[string, number, number], { height: number; idx: number; bytes: Uint8Array }>('SELECT height, idx, bytes FROM events WHERE consumer = ? AND usage_interval >= ? AND usage_interval < ? AND kind IN (\'allocate\', \'unmatched\') ORDER BY height, idx'),
      closeEvents: db.prepare<[string, number], { height: number; idx: number; bytes: Uint8Array }>('SELECT height, idx, bytes FROM events WHERE intermediary = ? AND close_interval = ? ORDER BY height, idx'),
      intermediaryEvents: db.prepare<[string, number], { height: number; idx: number; bytes: Uint8Array }>('SELECT height, idx, bytes FROM events WHERE intermediary = ? ORDER BY height DESC, idx DESC LIMIT ?'),
    };
    const s = this.statements;
    const eventBytes = new CborWriter(512);
    this.commit = db.transaction((applied: AppliedBlock, txs: readonly PreparedTx[]) => {
      const { block, outcomes, changes } = applied;
      const h = block.header;
      s.insertBlock.run(h.height, block.hash, encodeHeader(h), block.txLeaves, block.eventLeaves);
      outcomes.forEach((o, i) => {
        if (o.status === 'duplicate') return;
        const tx = txs[i]!;
        s.insertTx.run(o.id, h.height, i, o.type ?? null, o.signer ?? null, o.status, o.code ?? null, o.reason ?? null, tx.bytes, id52(o.id));
        const readings = tx.readings?.readings;
        if (o.status === 'applied' && tx.ledger?.type === 'register-party') s.insertRegistration.run(tx.ledger.body.id, h.height, i);
        if (o.status === 'applied' && tx.ledger?.type === 'register-meter') s.insertRegistration.run(tx.ledger.body.meterId, h.height, i);
        if (o.status === 'applied' && readings !== undefined) s.insertMeterTx.run(tx.readings!.meterId, readings[0]!.intervalStart, readings[readings.length - 1]!.intervalStart, h.height, i);
      });
      let eventIndex = 0;
      for (let i = 0; i < outcomes.length; i++) {
        const o = outcomes[i]!;
        if (o.events.length === 0) continue;
        const ledger = txs[i]!.ledger;
        const close: CloseContext = ledger?.type === 'close-interval' ? [ledger.body.intermediary, ledger.body.intervalStart] : undefined;
        for (const event of o.events) {
          const [consumer, intermediary, closeInterval, usageInterval] = eventColumns(event, close);
          eventBytes.position = 0;
          writeEvent(event, eventBytes);
          // better-sqlite3 copies a bound buffer (SQLITE_TRANSIENT): the writer is reused.
          s.insertEvent.run(h.height, eventIndex, event.kind, consumer, intermediary, closeInterval, usageInterval, eventBytes.view8());
          eventIndex++;
        }
      }
      for (let i = 0; i < changes.length; i++) {
        const value = changes.value(i);
        if (value === null) s.deleteRecord.run(changes.kinds[i]!, changes.keys[i]!);
        else s.putRecord.run(changes.kinds[i]!, changes.keys[i]!, value);
      }
      s.setMeta.run('head', JSON.stringify({ height: h.height, hash: block.hash, stateRoot: h.stateRoot, position: h.position }));
    });
  }

  /** Guards against starting a data directory with another ledger's genesis. */
  checkGenesis(genesisHashHex: string): void {
    const stored = this.statements.getMeta.get('genesis')?.value;
    if (stored === undefined) this.statements.setMeta.run('genesis', genesisHashHex);
    else if (stored !== genesisHashHex) throw new Error(`this data directory belongs to genesis ${stored}, not ${genesisHashHex}: use another --data directory`);
  }

  head(): ChainHead | undefined {
    const value = this.statements.getMeta.get('head')?.value;
    return value === undefined ? undefined : (JSON.parse(value) as ChainHead);
  }

  commitBlock(applied: AppliedBlock, txs: readonly PreparedTx[]): void {
    this.commit(applied, txs);
  }

  /** Restores the state snapshot and the ids of every ordered transaction. */
  loadState(state: LedgerState): void {
    for (const row of this.db.prepare<[], { kind: string; value: Uint8Array }>('SELECT kind, value FROM records').iterate()) state.loadRecord(row.kind as RecordKind, u8(row.value));
    for (const row of this.db.prepare<[], { id: string }>('SELECT id FROM txs').iterate()) state.seenTxs.add(row.id);
  }

  tx(id: string): StoredTx | undefined {
    const key = id52(id);
    const row = Number.isNaN(key) ? undefined : this.statements.getTx.get(key, id);
    return row === undefined ? undefined : { id: row.id, height: row.height, index: row.idx, type: row.type, signer: row.signer, status: row.status, code: row.code, reason: row.reason, bytes: u8(row.bytes) };
  }

  txAt(height: number, index: number): { id: string; bytes: Uint8Array } | undefined {
    const row = this.statements.txAt.get(height, index);
    return row === undefined ? undefined : { id: row.id, bytes: u8(row.bytes) };
  }

  /** Where the register-party or register-meter transaction of a party or meter sits. */
  registration(subject: string): { height: number; index: number } | undefined {
    const row = this.statements.registration.get(subject);
    return row === undefined ? undefined : { height: row.height, index: row.idx };
  }

  /** Applied reading transactions of a meter touching usage intervals [from, to), as (height, index). */
  meterTxs(meterId: string, from: number, to: number): Array<{ height: number; index: number }> {
    return this.statements.meterTxs.all(meterId, from, to).map((r) => ({ height: r.height, index: r.idx }));
  }

  block(height: number): StoredBlock | undefined {
    const row = this.statements.getBlock.get(height);
    if (row === undefined) return undefined;
    return { height: row.height, hash: row.hash, header: decodeHeader(u8(row.header)), txLeaves: unpackLeaves(u8(row.tx_leaves)), eventLeaves: unpackLeaves(u8(row.event_leaves)) };
  }

  headers(from: number, limit: number): BlockHeader[] {
    return this.statements.headers.all(from, limit).map((r) => decodeHeader(u8(r.header)));
  }

  consumerEvents(consumer: string, from: number, to: number): StoredEvent[] {
    return this.statements.consumerEvents.all(consumer, from, to).map((r) => ({ height: r.height, index: r.idx, bytes: u8(r.bytes) }));
  }

  closeEvents(intermediary: string, closeInterval: number): StoredEvent[] {
    return this.statements.closeEvents.all(intermediary, closeInterval).map((r) => ({ height: r.height, index: r.idx, bytes: u8(r.bytes) }));
  }

  recentEvents(intermediary: string, limit: number): StoredEvent[] {
    return this.statements.intermediaryEvents.all(intermediary, limit).map((r) => ({ height: r.height, index: r.idx, bytes: u8(r.bytes) }));
  }

  close(): void {
    this.db.close();
  }
}
