import type Database from 'better-sqlite3'
import { StoreError } from '../errors.js'

/**
 * Schema migrations, applied in order inside one transaction. A
 * database whose highest version is above the last one here was written by a
 * newer peer-monitor and is refused.
 *
 * Times are integer milliseconds since the Unix epoch (`*_ms`); states are
 * the PeerRegistry state names.
 */
export const MIGRATIONS: readonly string[] = [
  `
  -- One row per watched validator address; the resume cursor lives here.
  CREATE TABLE observers (
    id INTEGER PRIMARY KEY,
    address TEXT NOT NULL UNIQUE,
    peer_id TEXT,
    validator TEXT,
    network TEXT,
    incarnation TEXT,
    last_sequence INTEGER,
    connected INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at_ms INTEGER NOT NULL
  );
  -- Every transition exactly once: a replay hits the UNIQUE key and is ignored.
  CREATE TABLE transitions (
    id INTEGER PRIMARY KEY,
    observer_id INTEGER NOT NULL REFERENCES observers(id) ON DELETE CASCADE,
    incarnation TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    peer_id TEXT NOT NULL,
    validator TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    rtt_ms REAL,
    consecutive_misses INTEGER NOT NULL,
    reason TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    UNIQUE (observer_id, incarnation, sequence)
  );
  CREATE INDEX transitions_by_time ON transitions (at_ms);
  -- Each observer's current view: replaced by a snapshot, updated by transitions.
  CREATE TABLE peer_views (
    observer_id INTEGER NOT NULL REFERENCES observers(id) ON DELETE CASCADE,
    validator TEXT NOT NULL,
    peer_id TEXT NOT NULL,
    state TEXT NOT NULL,
    since_ms INTEGER NOT NULL,
    last_seen_ms INTEGER,
    consecutive_misses INTEGER NOT NULL,
    rtt_ms REAL,
    PRIMARY KEY (observer_id, validator)
  );
  -- History the monitor could not get: explicit HistoryGaps and sequence jumps.
  CREATE TABLE gaps (
    id INTEGER PRIMARY KEY,
    observer_id INTEGER NOT NULL REFERENCES observers(id) ON DELETE CASCADE,
    reason TEXT NOT NULL,
    requested_incarnation TEXT NOT NULL,
    requested_after INTEGER NOT NULL,
    oldest_available INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL
  );
  CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    validator TEXT NOT NULL,
    offline_since_ms INTEGER NOT NULL,
    opened_at_ms INTEGER NOT NULL,
    last_seen_ms INTEGER,
    closed_at_ms INTEGER,
    missed_pings INTEGER NOT NULL
  );
  CREATE INDEX evidence_open ON evidence (closed_at_ms);
  CREATE TABLE evidence_observers (
    evidence_id INTEGER NOT NULL REFERENCES evidence(id) ON DELETE CASCADE,
    observer TEXT NOT NULL,
    PRIMARY KEY (evidence_id, observer)
  );
  `,
]

/**
 * Brings the schema up to the last migration, or (read-only) checks that it
 * is there. Throws a StoreError of code `Schema` for a newer schema, or an
 * older one when read-only.
 */
export function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get()
  const current = hasTable
    ? ((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null })
        .v ?? 0)
    : 0
  if (current > MIGRATIONS.length) {
    throw new StoreError(
      'Schema',
      file,
      `schema version ${current} is newer than this peer-monitor (${MIGRATIONS.length})`,
    )
  }
  if (readonly) {
    if (current < MIGRATIONS.length) {
      throw new StoreError('Schema', file, 'is not a peer-monitor database (or an older one)')
    }
    return
  }
  db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)',
    )
    const applied = db.prepare(
      'INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)',
    )
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v - 1]!)
      applied.run(v, Date.now())
    }
  }).immediate()
}
