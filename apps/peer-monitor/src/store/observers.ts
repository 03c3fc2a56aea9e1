/**
 * The `observers` table: one row per watched validator address, with who it
 * said it is, its resume cursor and its connection status.
 */
import type Database from 'better-sqlite3'
import type { Cursor, ObserverIdentity, ObserverRow } from './records.js'

interface ObserverDbRow {
  address: string
  peer_id: string | null
  validator: string | null
  network: string | null
  incarnation: string | null
  last_sequence: number | null
  connected: number
  last_error: string | null
}

const cursorOf = (r: Pick<ObserverDbRow, 'incarnation' | 'last_sequence'>): Cursor | null =>
  r.incarnation === null || r.last_sequence === null
    ? null
    : { incarnation: r.incarnation, lastSequence: r.last_sequence }

export class ObserverRepository {
  private readonly q

  constructor(
    db: Database.Database,
    private readonly clock: () => number,
  ) {
    this.q = {
      insert: db.prepare(
        'INSERT INTO observers (address, updated_at_ms) VALUES (?, ?) ON CONFLICT (address) DO NOTHING',
      ),
      // `address` is UNIQUE: these look-ups by address use its index.
      idOf: db.prepare('SELECT id FROM observers WHERE address = ?').pluck(),
      cursor: db.prepare('SELECT incarnation, last_sequence FROM observers WHERE address = ?'),
      identify: db.prepare(
        'UPDATE observers SET peer_id = ?, validator = ?, network = ?, updated_at_ms = ? WHERE id = ?',
      ),
      advanceCursor: db.prepare(
        'UPDATE observers SET incarnation = ?, last_sequence = ? WHERE id = ? AND (incarnation IS NOT ? OR last_sequence IS NULL OR last_sequence < ?)',
      ),
      resetCursor: db.prepare(
        'UPDATE observers SET incarnation = ?, last_sequence = ? WHERE id = ?',
      ),
      setConnected: db.prepare(
        'UPDATE observers SET connected = ?, last_error = ?, updated_at_ms = ? WHERE address = ?',
      ),
      all: db.prepare('SELECT * FROM observers ORDER BY address'),
    }
  }

  /** The address's row id, or undefined if it was never added. */
  find(address: string): number | undefined {
    return this.q.idOf.get(address) as number | undefined
  }

  /** The address's row id, adding the address first if needed. */
  idOf(address: string): number {
    const id = this.find(address)
    if (id !== undefined) return id
    this.q.insert.run(address, this.clock())
    return this.q.idOf.get(address) as number
  }

  identify(id: number, who: ObserverIdentity): void {
    this.q.identify.run(who.peerId, who.validator, who.network, this.clock(), id)
  }

  /** Moves the cursor forward (or to another incarnation); never back within one incarnation. */
  advanceCursor(id: number, incarnation: string, sequence: number): void {
    this.q.advanceCursor.run(incarnation, sequence, id, incarnation, sequence)
  }

  /** Sets the cursor, even lower (a snapshot of a new incarnation). */
  resetCursor(id: number, incarnation: string, sequence: number): void {
    this.q.resetCursor.run(incarnation, sequence, id)
  }

  setConnected(address: string, connected: boolean, lastError: string | null): void {
    this.q.setConnected.run(connected ? 1 : 0, lastError, this.clock(), address)
  }

  cursor(address: string): Cursor | null {
    const row = this.q.cursor.get(address) as
      | Pick<ObserverDbRow, 'incarnation' | 'last_sequence'>
      | undefined
    return row === undefined ? null : cursorOf(row)
  }

  all(): ObserverRow[] {
    return (this.q.all.all() as ObserverDbRow[]).map((r) => ({
      address: r.address,
      peerId: r.peer_id,
      validator: r.validator,
      network: r.network,
      cursor: cursorOf(r),
      connected: r.connected === 1,
      lastError: r.last_error,
    }))
  }
}
