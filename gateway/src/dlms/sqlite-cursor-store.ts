/**
 * Durable poll cursors of the DLMS bridge, in the gateway's journal database (a table of its
 * own beside the journal's; synchronous=FULL, so a save that returned is on disk).
 *
 * Restart without duplicates: a cursor is saved after its readings were journaled, so a crash
 * in between re-reads the same entries into the same readings (same sequence numbers and
 * chain; Ed25519 is deterministic), which the journal answers as already stored.
 *
 * Restart without a reused invocation counter (IEC 62056-5-3 §9.2.7.2.4: a meter refuses a
 * counter it has seen): before a ciphered poll opens its association, the counter it starts
 * from plus RESERVE is written as a floor. A poll that ends saves the exact next counter and
 * clears the floor; after a crash mid-poll the next one starts from the floor, above every
 * counter the lost session can have used. Same idea as the firmware's sequence blocks.
 */
import type Database from 'better-sqlite3';
import { ZERO_HASH } from '@wattledger/protocol';
import type { CursorStore, PollCursor } from './poller.js';

/** Invocation counters one poll may consume at most (a day of 15-min entries in small blocks uses well under 100). */
export const INVOCATION_COUNTER_RESERVE = 10_000;

const DDL = `
CREATE TABLE IF NOT EXISTS dlms_cursors (
  meter TEXT PRIMARY KEY,
  meter_id TEXT NOT NULL,
  last_captured INTEGER,
  import_wh REAL NOT NULL,
  export_wh REAL NOT NULL,
  seq INTEGER NOT NULL,
  prev_hash BLOB NOT NULL,
  invocation_counter INTEGER,
  counter_floor INTEGER
) WITHOUT ROWID;
`;

/** One row of dlms_cursors, as better-sqlite3 returns it. */
export interface DlmsCursorRow {
  meter: string;
  meter_id: string;
  last_captured: number | null;
  import_wh: number;
  export_wh: number;
  seq: number;
  prev_hash: Buffer;
  invocation_counter: number | null;
  counter_floor: number | null;
}

export interface SqliteCursorMeter {
  readonly name: string;
  readonly meterId: string;
  /** The configured first invocation counter, for meters with a ciphered association; undefined otherwise. */
  readonly invocationCounter: number | undefined;
}

export interface SqliteCursorStore extends CursorStore {
  /** The saved cursor, without reserving counters (metrics, tests). */
  peek(meter: string): PollCursor | undefined;
}

export function sqliteCursorStore(db: Database.Database, meters: readonly SqliteCursorMeter[]): SqliteCursorStore {
  db.exec(DDL);
  const byName = new Map(meters.map((m) => [m.name, m]));
  const select = db.prepare('SELECT * FROM dlms_cursors WHERE meter = ?');
  const upsert = db.prepare(
    `INSERT INTO dlms_cursors (meter, meter_id, last_captured, import_wh, export_wh, seq, prev_hash, invocation_counter, counter_floor)
     VALUES (@meter, @meterId, @lastCaptured, @importWh, @exportWh, @seq, @prevHash, @invocationCounter, @counterFloor)
     ON CONFLICT (meter) DO UPDATE SET meter_id = excluded.meter_id, last_captured = excluded.last_captured, import_wh = excluded.import_wh,
       export_wh = excluded.export_wh, seq = excluded.seq, prev_hash = excluded.prev_hash, invocation_counter = excluded.invocation_counter,
       counter_floor = excluded.counter_floor`,
  );

  const meterOf = (name: string): SqliteCursorMeter => {
    const meter = byName.get(name);
    if (meter === undefined) throw new TypeError(`no DLMS meter named "${name}" in the cursor store`);
    return meter;
  };

  /**
   * The stored cursor of `name`. A changed meterId starts a new chain, but the counters belong
   * to the physical meter's association and are kept.
   */
  const read = (name: string): { cursor: PollCursor | undefined; counter: number | undefined; floor: number | undefined } => {
    const row = select.get(name) as DlmsCursorRow | undefined;
    if (row === undefined) return { cursor: undefined, counter: undefined, floor: undefined };
    const counter = row.invocation_counter ?? undefined;
    const floor = row.counter_floor ?? undefined;
    if (row.meter_id !== meterOf(name).meterId) return { cursor: undefined, counter, floor };
    const cursor: PollCursor = {
      lastCaptured: row.last_captured ?? undefined,
      importWh: row.import_wh,
      exportWh: row.export_wh,
      seq: row.seq,
      prevHash: new Uint8Array(row.prev_hash),
      invocationCounter: counter,
    };
    return { cursor, counter, floor };
  };

  const write = (name: string, cursor: PollCursor, counterFloor: number | undefined): void => {
    upsert.run({
      meter: name,
      meterId: meterOf(name).meterId,
      lastCaptured: cursor.lastCaptured ?? null,
      importWh: cursor.importWh,
      exportWh: cursor.exportWh,
      seq: cursor.seq,
      prevHash: Buffer.from(cursor.prevHash),
      invocationCounter: cursor.invocationCounter ?? null,
      counterFloor: counterFloor ?? null,
    });
  };

  return {
    peek: (name) => read(name).cursor,
    load(name) {
      const meter = meterOf(name);
      const stored = read(name);
      if (meter.invocationCounter === undefined) return stored.cursor;
      const start = Math.max(stored.counter ?? meter.invocationCounter, stored.floor ?? 0);
      const fresh: PollCursor = { lastCaptured: undefined, importWh: 0, exportWh: 0, seq: -1, prevHash: ZERO_HASH };
      const cursor: PollCursor = { ...(stored.cursor ?? fresh), invocationCounter: start };
      write(name, cursor, start + INVOCATION_COUNTER_RESERVE);
      return cursor;
    },
    save(name, cursor) {
      write(name, cursor, undefined);
    },
  };
}
