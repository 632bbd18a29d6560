/**
 * The durable journal: every accepted message is written here, in one SQLite transaction per
 * group of messages (group commit), before its meter is acknowledged. The forwarder reads
 * pending messages back in journal order; the interval closer reads the intervals seen.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { JournalError } from '../errors.js';
import { DDL, IntervalState, MessageState, SCHEMA_VERSION } from './schema.js';

export type MeterRole = 'producer' | 'consumer';

export interface JournalReading {
  readonly seq: number;
  readonly hash: Uint8Array;
  readonly intervalStart: number;
  readonly intervalLength: number;
}

export interface JournalEntry {
  readonly meterId: string;
  readonly role: MeterRole;
  /** The signed message exactly as received. */
  readonly cose: Uint8Array;
  /** The readings of the message that were new (duplicates already journaled are left out). */
  readonly readings: readonly JournalReading[];
  readonly quarantined: boolean;
  readonly receivedMs: number;
}

export interface PendingMessage {
  readonly id: number;
  readonly meterId: string;
  readonly role: MeterRole;
  readonly cose: Uint8Array;
  readonly readingCount: number;
}

export interface ChainHead {
  readonly seq: number;
  readonly hash: Uint8Array;
}

export interface ForwardOutcome {
  readonly id: number;
  readonly state: typeof MessageState.ON_LEDGER | typeof MessageState.LEDGER_REJECTED;
  readonly txId: string;
  readonly code?: string | undefined;
}

export interface LedgerBacklog {
  readonly messages: number;
  readonly readings: number;
  readonly oldestReceivedMs: number | undefined;
}

export interface IntervalSpan {
  readonly start: number;
  readonly end: number;
}

const DB_FILE = 'journal.sqlite';

export class Journal {
  readonly db: Database.Database;
  readonly file: string;
  private readonly insertMessage: Database.Statement;
  private readonly insertReading: Database.Statement;
  private readonly insertInterval: Database.Statement;
  private readonly selectHash: Database.Statement;
  private readonly selectPending: Database.Statement;
  private readonly updateMessage: Database.Statement;
  private readonly appendTx: (entries: readonly JournalEntry[]) => number[];

  constructor(dataDir: string) {
    try {
      mkdirSync(dataDir, { recursive: true });
      this.file = join(dataDir, DB_FILE);
      this.db = new Database(this.file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // Checkpoint every 10,000 WAL pages (~40 MB) instead of 1,000: group commits touch the same
      // leaf pages of the readings index again and again, and a checkpoint writes each page once,
      // so fewer, larger checkpoints write (and fsync) far less per reading. Durability is the WAL's.
      this.db.pragma('wal_autocheckpoint = 10000');
      this.db.pragma('busy_timeout = 10000'); // the journal writer thread holds a second connection
      this.db.pragma('foreign_keys = OFF');
      this.db.exec(DDL);
      this.checkVersion();
    } catch (cause) {
      if (cause instanceof JournalError) throw cause;
      throw new JournalError(`cannot open the journal in ${dataDir}: ${(cause as Error).message}`, { cause });
    }
    this.insertMessage = this.db.prepare(
      'INSERT INTO messages (meter_id, role, cose, first_seq, last_seq, reading_count, min_interval, received_ms, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertReading = this.db.prepare('INSERT INTO readings (meter_id, seq, hash, message_id, interval_start, interval_length) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertInterval = this.db.prepare('INSERT INTO intervals (start, end) VALUES (?, ?) ON CONFLICT (start) DO UPDATE SET end = max(end, excluded.end)');
    this.selectHash = this.db.prepare('SELECT hash FROM readings WHERE meter_id = ? AND seq = ?').pluck();
    this.selectPending = this.db.prepare('SELECT id, meter_id, role, cose, reading_count FROM messages WHERE state = 0 AND id > ? ORDER BY id LIMIT ?');
    this.updateMessage = this.db.prepare('UPDATE messages SET state = ?, tx_id = ?, ledger_code = ? WHERE id = ?');
    this.appendTx = this.db.transaction((entries: readonly JournalEntry[]) => this.appendRows(entries));
  }

  private checkVersion(): void {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get() as string | undefined;
    if (row === undefined) this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    else if (Number(row) !== SCHEMA_VERSION) throw new JournalError(`journal ${this.file} has schema version ${row}; this gateway reads version ${SCHEMA_VERSION}`);
  }

  private appendRows(entries: readonly JournalEntry[]): number[] {
    const ids: number[] = [];
    const intervals = new Set<string>();
    for (const e of entries) {
      const first = e.readings[0];
      const last = e.readings[e.readings.length - 1];
      if (first === undefined || last === undefined) throw new RangeError('a journal entry holds at least one reading');
      let minInterval = first.intervalStart;
      for (const r of e.readings) if (r.intervalStart < minInterval) minInterval = r.intervalStart;
      const state = e.quarantined ? MessageState.QUARANTINED : MessageState.PENDING;
      const id = Number(this.insertMessage.run(e.meterId, e.role, e.cose, first.seq, last.seq, e.readings.length, minInterval, e.receivedMs, state).lastInsertRowid);
      ids.push(id);
      for (const r of e.readings) {
        this.insertReading.run(e.meterId, r.seq, r.hash, id, r.intervalStart, r.intervalLength);
        if (!e.quarantined) {
          const key = `${r.intervalStart}/${r.intervalLength}`;
          if (!intervals.has(key)) {
            intervals.add(key);
            this.insertInterval.run(r.intervalStart, r.intervalStart + r.intervalLength);
          }
        }
      }
    }
    return ids;
  }

  /** Writes `entries` in one durable transaction; returns their message ids. Throws JournalError. */
  append(entries: readonly JournalEntry[]): number[] {
    try {
      return this.appendTx(entries);
    } catch (cause) {
      throw new JournalError(`journal write failed: ${(cause as Error).message}`, { cause });
    }
  }

  /** Hash of the journaled reading `seq` of a meter, if any. */
  readingHash(meterId: string, seq: number): Uint8Array | undefined {
    const hash = this.selectHash.get(meterId, seq) as Buffer | undefined;
    return hash === undefined ? undefined : new Uint8Array(hash);
  }

  /** Latest journaled reading of every meter: where each hash chain continues after a restart. */
  heads(): Map<string, ChainHead> {
    const heads = new Map<string, ChainHead>();
    const rows = this.db.prepare('SELECT meter_id, MAX(seq) AS seq, hash FROM readings GROUP BY meter_id').all() as Array<{ meter_id: string; seq: number; hash: Buffer }>;
    for (const row of rows) heads.set(row.meter_id, { seq: row.seq, hash: new Uint8Array(row.hash) });
    return heads;
  }

  /** Latest journaled reading of one meter. */
  head(meterId: string): ChainHead | undefined {
    const row = this.db.prepare('SELECT seq, hash FROM readings WHERE meter_id = ? ORDER BY seq DESC LIMIT 1').get(meterId) as { seq: number; hash: Buffer } | undefined;
    return row === undefined ? undefined : { seq: row.seq, hash: new Uint8Array(row.hash) };
  }

  /** Pending messages in journal order, after message id `afterId`. */
  pending(afterId: number, limit: number): PendingMessage[] {
    const rows = this.selectPending.all(afterId, limit) as Array<{ id: number; meter_id: string; role: MeterRole; cose: Buffer; reading_count: number }>;
    return rows.map((r) => ({ id: r.id, meterId: r.meter_id, role: r.role, cose: new Uint8Array(r.cose.buffer, r.cose.byteOffset, r.cose.byteLength), readingCount: r.reading_count }));
  }

  recordForwarded(outcomes: readonly ForwardOutcome[]): void {
    this.db.transaction(() => {
      for (const o of outcomes) this.updateMessage.run(o.state, o.txId, o.code ?? null, o.id);
    })();
  }

  ledgerBacklog(): LedgerBacklog {
    const row = this.db.prepare('SELECT COUNT(*) AS messages, COALESCE(SUM(reading_count), 0) AS readings, MIN(received_ms) AS oldest FROM messages WHERE state = 0').get() as {
      messages: number;
      readings: number;
      oldest: number | null;
    };
    return { messages: row.messages, readings: row.readings, oldestReceivedMs: row.oldest ?? undefined };
  }

  /** Open intervals that ended at least `graceS` before `nowS` and whose readings are all on the ledger. */
  closableIntervals(nowS: number, graceS: number): IntervalSpan[] {
    const minPending = this.db.prepare('SELECT MIN(min_interval) FROM messages WHERE state = 0').pluck().get() as number | null;
    const rows = this.db.prepare('SELECT start, end FROM intervals WHERE state = 0 AND end + ? <= ? ORDER BY start').all(graceS, nowS) as IntervalSpan[];
    return minPending === null ? rows : rows.filter((r) => r.start < minPending);
  }

  recordIntervalClosed(start: number, txId: string, rejected: boolean): void {
    this.db.prepare('UPDATE intervals SET state = ?, tx_id = ? WHERE start = ?').run(rejected ? IntervalState.CLOSE_REJECTED : IntervalState.CLOSED, txId, start);
  }

  /** Counts per message state, for /health and tests. */
  messageCounts(): Record<'pending' | 'onLedger' | 'quarantined' | 'ledgerRejected', number> {
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM messages GROUP BY state').all() as Array<{ state: number; n: number }>;
    const count = (s: number): number => rows.find((r) => r.state === s)?.n ?? 0;
    return {
      pending: count(MessageState.PENDING),
      onLedger: count(MessageState.ON_LEDGER),
      quarantined: count(MessageState.QUARANTINED),
      ledgerRejected: count(MessageState.LEDGER_REJECTED),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
