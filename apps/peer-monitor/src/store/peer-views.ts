/**
 * The `peer_views` table: each observer's current view of every validator,
 * replaced by a snapshot and updated by transitions and RTT refreshes.
 */
import type Database from 'better-sqlite3'
import type { PeerStatusRecord, ViewRow } from './records.js'

export class PeerViewRepository {
  private readonly q

  constructor(db: Database.Database) {
    this.q = {
      clear: db.prepare('DELETE FROM peer_views WHERE observer_id = ?'),
      upsert: db.prepare(
        `INSERT INTO peer_views (observer_id, validator, peer_id, state, since_ms, last_seen_ms, consecutive_misses, rtt_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (observer_id, validator) DO UPDATE SET peer_id = excluded.peer_id, state = excluded.state,
           since_ms = excluded.since_ms, last_seen_ms = COALESCE(excluded.last_seen_ms, last_seen_ms),
           consecutive_misses = excluded.consecutive_misses, rtt_ms = COALESCE(excluded.rtt_ms, rtt_ms)`,
      ),
      refresh: db.prepare(
        `UPDATE peer_views SET rtt_ms = @rttMs,
           last_seen_ms = MAX(COALESCE(last_seen_ms, @lastSeenMs), @lastSeenMs)
         WHERE observer_id = @id AND validator = @validator AND peer_id = @peerId AND state = @state
           AND @rttMs IS NOT NULL AND @lastSeenMs IS NOT NULL
           -- written only when the RTT shown (whole ms) changes: most refreshes write nothing
           AND ROUND(rtt_ms) IS NOT ROUND(@rttMs)`,
      ),
      all: db.prepare(
        `SELECT o.address, v.peer_id AS peerId, v.validator, v.state, v.since_ms AS sinceMs,
           v.last_seen_ms AS lastSeenMs, v.consecutive_misses AS consecutiveMisses, v.rtt_ms AS rttMs
         FROM peer_views v JOIN observers o ON o.id = v.observer_id ORDER BY v.validator, o.address`,
      ),
    }
  }

  /** Forgets everything the observer saw. */
  clear(observerId: number): void {
    this.q.clear.run(observerId)
  }

  /** Writes the observer's view of one peer; a null RTT or last reply keeps the stored one. */
  upsert(observerId: number, p: PeerStatusRecord): void {
    this.q.upsert.run(
      observerId,
      p.validator,
      p.peerId,
      p.state,
      p.sinceMs,
      p.lastSeenMs,
      p.consecutiveMisses,
      p.rttMs,
    )
  }

  /** See `MonitorStore.refreshViews`: 1 if the row changed, else 0. */
  refresh(observerId: number, p: PeerStatusRecord): number {
    const { validator, peerId, state, rttMs, lastSeenMs } = p
    return this.q.refresh.run({ id: observerId, validator, peerId, state, rttMs, lastSeenMs })
      .changes
  }

  all(): ViewRow[] {
    return this.q.all.all() as ViewRow[]
  }
}
