/** The `gaps` table: history the monitor could not get (HistoryGaps and sequence jumps). */
import type Database from 'better-sqlite3'
import type { GapRecord } from './records.js'

export class GapRepository {
  private readonly q

  constructor(
    db: Database.Database,
    private readonly clock: () => number,
  ) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO gaps (observer_id, reason, requested_incarnation, requested_after, oldest_available, received_at_ms)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      prune: db.prepare(
        `DELETE FROM gaps WHERE observer_id = @id AND id <= (
           SELECT id FROM gaps WHERE observer_id = @id ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
      ),
      byAddress: db.prepare(
        `SELECT g.reason, g.requested_incarnation AS requestedIncarnation, g.requested_after AS requestedAfter,
           g.oldest_available AS oldestAvailable
         FROM gaps g JOIN observers o ON o.id = g.observer_id WHERE o.address = ? ORDER BY g.id`,
      ),
    }
  }

  insert(observerId: number, gap: GapRecord): void {
    this.q.insert.run(
      observerId,
      gap.reason,
      gap.requestedIncarnation,
      gap.requestedAfter,
      gap.oldestAvailable,
      this.clock(),
    )
  }

  /** Deletes the observer's oldest gaps beyond the newest `keep`. */
  prune(observerId: number, keep: number): void {
    this.q.prune.run({ id: observerId, keep })
  }

  of(address: string): GapRecord[] {
    return this.q.byAddress.all(address) as GapRecord[]
  }
}
