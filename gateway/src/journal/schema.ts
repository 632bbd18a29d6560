/**
 * The journal's SQLite schema. One database file per gateway (dataDir/journal.sqlite), in WAL
 * mode with synchronous=FULL: a transaction that returned is on disk, so an acknowledged
 * reading survives kill -9 and power loss (https://sqlite.org/pragma.html#pragma_synchronous).
 */
export const SCHEMA_VERSION = 1;

/** Forwarding state of a journaled message. */
export const MessageState = Object.freeze({
  /** Journaled, acknowledged to the meter, not yet accepted by the ledger. */
  PENDING: 0,
  /** The ledger answered applied or duplicate. */
  ON_LEDGER: 1,
  /** Authentic and chained, but implausible: kept and acknowledged, never forwarded. */
  QUARANTINED: 2,
  /** The ledger refused the transaction; kept for the operator, not retried. */
  LEDGER_REJECTED: 3,
} as const);
export type MessageState = (typeof MessageState)[keyof typeof MessageState];

export const IntervalState = Object.freeze({ OPEN: 0, CLOSED: 1, CLOSE_REJECTED: 2 } as const);

export const DDL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per signed message (single reading or batch) that contributed new readings.
-- id is the journal order and the nonce of the message's ledger transaction.
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  meter_id TEXT NOT NULL,
  role TEXT NOT NULL,
  cose BLOB NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  reading_count INTEGER NOT NULL,
  min_interval INTEGER NOT NULL,
  received_ms INTEGER NOT NULL,
  state INTEGER NOT NULL,
  tx_id TEXT,
  ledger_code TEXT
);
CREATE INDEX IF NOT EXISTS messages_pending ON messages (id) WHERE state = 0;

-- Every journaled reading: the hash chain, duplicate detection and the restart heads.
CREATE TABLE IF NOT EXISTS readings (
  meter_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  hash BLOB NOT NULL,
  message_id INTEGER NOT NULL,
  interval_start INTEGER NOT NULL,
  interval_length INTEGER NOT NULL,
  PRIMARY KEY (meter_id, seq)
) WITHOUT ROWID;

-- Interval starts seen in journaled readings (with the latest end among their lengths),
-- closed on the ledger once the grace period after the end has passed.
CREATE TABLE IF NOT EXISTS intervals (
  start INTEGER PRIMARY KEY,
  end INTEGER NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  tx_id TEXT
);

-- MQTT credentials issued at provisioning, stored as salted SHA-256 (see ingress/credentials.ts).
CREATE TABLE IF NOT EXISTS credentials (
  meter_id TEXT PRIMARY KEY,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  issued_ms INTEGER NOT NULL
) WITHOUT ROWID;
`;
