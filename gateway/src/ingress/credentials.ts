/**
 * MQTT credentials of the meters (DESIGN §8: issued at provisioning, sent to the meter inside
 * the pairing channel). The MQTT username is the meter id, the password a 256-bit random
 * token. Only a salted SHA-256 of the token is stored: a slow password hash (scrypt) guards
 * low-entropy human passwords, while a 256-bit token cannot be guessed from its hash, and a
 * fleet of thousands of meters reconnecting after an outage must not cost seconds of CPU each.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { isMeterId } from '@wattledger/protocol';

const TOKEN_BYTES = 32;
const SALT_BYTES = 16;

function digest(salt: Uint8Array, token: Uint8Array): Buffer {
  return createHash('sha256').update(salt).update(token).digest();
}

export class CredentialStore {
  private readonly select: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT salt, hash FROM credentials WHERE meter_id = ?');
    this.upsert = db.prepare('INSERT INTO credentials (meter_id, salt, hash, issued_ms) VALUES (?, ?, ?, ?) ON CONFLICT (meter_id) DO UPDATE SET salt = excluded.salt, hash = excluded.hash, issued_ms = excluded.issued_ms');
    this.remove = db.prepare('DELETE FROM credentials WHERE meter_id = ?');
  }

  /** Issues (or replaces) the credential of a meter; returns the token to hand to the meter. Shown once. */
  issue(meterId: string): string {
    if (!isMeterId(meterId)) throw new TypeError(`issue credential: invalid meter id ${JSON.stringify(meterId)}`);
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const salt = randomBytes(SALT_BYTES);
    this.upsert.run(meterId, salt, digest(salt, Buffer.from(token)), Date.now());
    return token;
  }

  /** True iff a credential is issued for `meterId`. */
  has(meterId: string): boolean {
    return this.select.get(meterId) !== undefined;
  }

  revoke(meterId: string): boolean {
    return this.remove.run(meterId).changes > 0;
  }

  /** True iff `password` is the credential issued to `meterId`. Constant time in the password. */
  check(meterId: string | undefined, password: Uint8Array | undefined): boolean {
    if (meterId === undefined || password === undefined || !isMeterId(meterId) || password.length > 256) return false;
    const row = this.select.get(meterId) as { salt: Buffer; hash: Buffer } | undefined;
    if (row === undefined) return false;
    return timingSafeEqual(digest(row.salt, password), row.hash);
  }
}
