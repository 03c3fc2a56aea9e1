/**
 * The `transitions` table: every transition exactly once (a replay hits the
 * UNIQUE key and is ignored), the timeline, and the closed OFFLINE intervals
 * the evidence engine judges after a restart.
 */
import type Database from 'better-sqlite3'
import type { StoredInterval } from '../engine/evidence-engine.js'
import type { ObserverIdentity, TimelineRow, TransitionRecord } from './records.js'

export class TransitionRepository {
  private readonly q

  constructor(
    db: Database.Database,
    private readonly clock: () => number,
  ) {
    this.q = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO transitions (observer_id, incarnation, sequence, peer_id, validator,
          from_state, to_state, at_ms, rtt_ms, consecutive_misses, reason, received_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      prune: db.prepare(
        `DELETE FROM transitions WHERE observer_id = @id AND id <= (
           SELECT id FROM transitions WHERE observer_id = @id ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
      ),
      timeline: db.prepare(
        `SELECT * FROM (SELECT t.id, o.address, t.incarnation, t.sequence, t.peer_id AS peerId, t.validator,
           t.from_state AS fromState, t.to_state AS toState, t.at_ms AS atMs, t.rtt_ms AS rttMs,
           t.consecutive_misses AS consecutiveMisses, t.reason
         FROM transitions t JOIN observers o ON o.id = t.observer_id
         WHERE t.at_ms >= ? ORDER BY t.at_ms DESC, t.id DESC LIMIT ?) ORDER BY atMs, id`,
      ),
      sequences: db
        .prepare(
          `SELECT t.sequence FROM transitions t JOIN observers o ON o.id = t.observer_id
           WHERE o.address = ? AND t.incarnation = ? ORDER BY t.sequence`,
        )
        .pluck(),
      closedIntervals: db.prepare(
        `SELECT observer, validator, startMs, endMs, consecutiveMisses, NULL AS lastSeenMs FROM (
           SELECT o.validator AS observer, t.validator, t.to_state, t.at_ms AS startMs,
             t.consecutive_misses AS consecutiveMisses,
             LEAD(t.at_ms) OVER next AS endMs, LEAD(t.from_state) OVER next AS nextFrom
           FROM transitions t JOIN observers o ON o.id = t.observer_id
           WHERE o.validator IS NOT NULL
           WINDOW next AS (PARTITION BY t.observer_id, t.incarnation, t.validator ORDER BY t.sequence)
         ) i
         WHERE to_state = 'OFFLINE' AND nextFrom = 'OFFLINE' AND endMs > COALESCE(
           (SELECT MAX(closed_at_ms) FROM evidence e WHERE e.validator = i.validator), -1)
         ORDER BY endMs DESC LIMIT ?`,
      ),
    }
  }

  /** Stores the transition unless this (observer, incarnation, sequence) is stored; true if it was new. */
  insert(observerId: number, who: ObserverIdentity, t: TransitionRecord): boolean {
    return (
      this.q.insert.run(
        observerId,
        who.incarnation,
        t.sequence,
        t.peerId,
        t.validator,
        t.fromState,
        t.toState,
        t.atMs,
        t.rttMs,
        t.consecutiveMisses,
        t.reason,
        this.clock(),
      ).changes === 1
    )
  }

  /** Deletes the observer's oldest transitions beyond the newest `keep`. */
  prune(observerId: number, keep: number): void {
    this.q.prune.run({ id: observerId, keep })
  }

  timeline(sinceMs: number, limit: number): TimelineRow[] {
    return this.q.timeline.all(sinceMs, limit) as TimelineRow[]
  }

  sequences(address: string, incarnation: string): number[] {
    return this.q.sequences.all(address, incarnation) as number[]
  }

  /** See `MonitorStore.closedIntervals`. */
  closedIntervals(limit: number): StoredInterval[] {
    return this.q.closedIntervals.all(limit) as StoredInterval[]
  }
}
