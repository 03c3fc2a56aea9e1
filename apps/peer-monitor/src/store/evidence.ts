/**
 * The `evidence` and `evidence_observers` tables: unavailability evidence
 * records and the observers behind each.
 */
import type Database from 'better-sqlite3'
import type { EvidenceRecord } from '../engine/evidence-engine.js'

const EVIDENCE_SELECT = `SELECT e.*, (SELECT json_group_array(observer) FROM
    (SELECT observer FROM evidence_observers WHERE evidence_id = e.id ORDER BY observer)) AS observers
  FROM evidence e`

interface EvidenceDbRow {
  id: number
  validator: string
  offline_since_ms: number
  opened_at_ms: number
  last_seen_ms: number | null
  closed_at_ms: number | null
  missed_pings: number
  observers: string | null
}

const toRecord = (r: EvidenceDbRow): EvidenceRecord => ({
  id: r.id,
  validator: r.validator,
  offlineSinceMs: r.offline_since_ms,
  openedAtMs: r.opened_at_ms,
  lastSeenMs: r.last_seen_ms,
  closedAtMs: r.closed_at_ms,
  missedPings: r.missed_pings,
  observers: JSON.parse(r.observers ?? '[]') as string[],
})

export class EvidenceRepository {
  private readonly q

  constructor(db: Database.Database) {
    this.q = {
      upsert: db.prepare(
        `INSERT INTO evidence (id, validator, offline_since_ms, opened_at_ms, last_seen_ms, closed_at_ms, missed_pings)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET offline_since_ms = excluded.offline_since_ms,
           last_seen_ms = excluded.last_seen_ms, closed_at_ms = excluded.closed_at_ms,
           missed_pings = excluded.missed_pings`,
      ),
      addObserver: db.prepare(
        'INSERT OR IGNORE INTO evidence_observers (evidence_id, observer) VALUES (?, ?)',
      ),
      pruneClosed: db.prepare(
        `DELETE FROM evidence WHERE closed_at_ms IS NOT NULL AND id <= (
           SELECT id FROM evidence WHERE closed_at_ms IS NOT NULL ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ),
      newest: db.prepare(
        `${EVIDENCE_SELECT} ORDER BY e.closed_at_ms IS NOT NULL, e.id DESC LIMIT ?`,
      ),
      open: db.prepare(`${EVIDENCE_SELECT} WHERE e.closed_at_ms IS NULL ORDER BY e.id`),
      lastId: db.prepare('SELECT MAX(id) FROM evidence').pluck(),
      judgedUntil: db.prepare(
        `SELECT validator, MAX(closed_at_ms) AS untilMs FROM evidence
         WHERE closed_at_ms IS NOT NULL GROUP BY validator`,
      ),
    }
  }

  /** Inserts or updates the record; observers are only ever added. */
  save(r: EvidenceRecord): void {
    this.q.upsert.run(
      r.id,
      r.validator,
      r.offlineSinceMs,
      r.openedAtMs,
      r.lastSeenMs,
      r.closedAtMs,
      r.missedPings,
    )
    for (const o of r.observers) this.q.addObserver.run(r.id, o)
  }

  /** Deletes the oldest closed records beyond the newest `keep` closed ones. */
  pruneClosed(keep: number): void {
    this.q.pruneClosed.run(keep)
  }

  /** Newest first (open ones first), at most `limit`. */
  newest(limit: number): EvidenceRecord[] {
    return (this.q.newest.all(limit) as EvidenceDbRow[]).map(toRecord)
  }

  open(): EvidenceRecord[] {
    return (this.q.open.all() as EvidenceDbRow[]).map(toRecord)
  }

  lastId(): number {
    return (this.q.lastId.get() as number | null) ?? 0
  }

  judgedUntil(): Array<{ validator: string; untilMs: number }> {
    return this.q.judgedUntil.all() as Array<{ validator: string; untilMs: number }>
  }
}
