import Database from 'better-sqlite3'
import type { EvidenceRecord, StoredInterval } from '../engine/evidence-engine.js'
import { checkInteger, StoreError, type StoreErrorKind } from '../errors.js'
import type { PeerState } from '../states.js'
import { MIGRATIONS } from './migrations.js'

/** Who a stream says it is (the node serving it). */
export interface ObserverIdentity {
  peerId: string
  /** Base58 validator identity of the observing node. */
  validator: string
  incarnation: string
  network: string
}

/** One validated transition, as stored. */
export interface TransitionRecord {
  sequence: number
  peerId: string
  validator: string
  fromState: PeerState
  toState: PeerState
  atMs: number
  rttMs: number | null
  consecutiveMisses: number
  reason: string
  /** The peer's last reply at that moment (ms), null if it never replied; absent from older nodes. */
  lastSeenMs?: number | null
}

/** One peer in an observer's current view. */
export interface PeerStatusRecord {
  peerId: string
  validator: string
  state: PeerState
  sinceMs: number
  lastSeenMs: number | null
  consecutiveMisses: number
  rttMs: number | null
}

/** History the monitor could not get. */
export interface GapRecord {
  /** "evicted" or "restarted" from the node, "skipped" when a sequence jumped without a gap. */
  reason: string
  requestedIncarnation: string
  requestedAfter: number
  oldestAvailable: number
}

/** Where to resume an observer's stream. */
export interface Cursor {
  incarnation: string
  lastSequence: number
}

/** One watched address as stored. */
export interface ObserverRow {
  address: string
  peerId: string | null
  validator: string | null
  network: string | null
  cursor: Cursor | null
  connected: boolean
  lastError: string | null
}

/** An observer's view of one peer, with the observer's address. */
export interface ViewRow extends PeerStatusRecord {
  address: string
}

/** A stored transition with the address that reported it. */
export interface TimelineRow extends TransitionRecord {
  address: string
  incarnation: string
}

/** Options of {@link openStore}. */
export interface StoreInit {
  /** Path of the SQLite file; created (with its schema) if missing unless `readonly`. */
  file: string
  /** Open an existing database for reading only (no migrations). @default false */
  readonly?: boolean
  /** How long to wait for another process's lock, in milliseconds. @default 2000 */
  busyTimeoutMs?: number
  /**
   * Retention: transitions kept per observer; the oldest beyond this are
   * deleted (pruned every `pruneEvery` inserts). Gaps are capped the same way.
   *
   * @default 200000
   */
  maxTransitionsPerObserver?: number
  /** Closed evidence records kept; the oldest closed ones beyond this are deleted. @default 10000 */
  maxClosedEvidence?: number
  /** Inserts between two retention passes. @default 1000 */
  pruneEvery?: number
  /** Milliseconds since the epoch, stamped on received rows. @default Date.now */
  clock?: () => number
}

export interface MonitorStore {
  readonly file: string
  /** Registers an address (idempotent) and marks it disconnected. */
  addObserver(address: string): void
  observers(): ObserverRow[]
  cursor(address: string): Cursor | null
  /** Replaces the observer's view and moves its cursor to the snapshot's sequence. */
  applySnapshot(
    address: string,
    who: ObserverIdentity,
    lastSequence: number,
    peers: PeerStatusRecord[],
  ): void
  /**
   * Fresher RTTs and last replies for the observer's peers whose stored state
   * and peer id are the ones given (a ListPeers answer between transitions);
   * states, cursor and history are untouched. Returns how many rows changed.
   */
  refreshViews(address: string, peers: readonly PeerStatusRecord[]): number
  /** Stores a transition at most once and advances the cursor; false if it was already stored. */
  applyTransition(address: string, who: ObserverIdentity, t: TransitionRecord): boolean
  recordGap(address: string, gap: GapRecord): void
  setConnected(address: string, connected: boolean, lastError?: string | null): void
  views(): ViewRow[]
  /** Transitions at or after `sinceMs`, oldest first, at most `limit`. */
  timeline(sinceMs: number, limit: number): TimelineRow[]
  /** Every stored sequence of one address and incarnation, ascending. */
  sequences(address: string, incarnation: string): number[]
  gaps(address: string): GapRecord[]
  saveEvidence(records: readonly EvidenceRecord[]): void
  /** Newest first (open ones first), at most `limit`. */
  evidence(limit: number): EvidenceRecord[]
  openEvidence(): EvidenceRecord[]
  lastEvidenceId(): number
  /**
   * Closed OFFLINE intervals from the stored transitions (an OFFLINE
   * transition and the next one of the same observer incarnation and
   * validator, which must leave OFFLINE) that end after the validator's last
   * closed evidence record: history not yet judged. Newest first, at most `limit`.
   */
  closedIntervals(limit: number): StoredInterval[]
  /** Per validator, the close of its last evidence record: its history is judged until then. */
  judgedUntil(): Array<{ validator: string; untilMs: number }>
  close(): void
}

const SQLITE_KIND: Record<string, StoreErrorKind> = {
  SQLITE_NOTADB: 'corrupt',
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_BUSY: 'locked',
  SQLITE_LOCKED: 'locked',
  SQLITE_CANTOPEN: 'open-failed',
  SQLITE_PERM: 'open-failed',
  SQLITE_READONLY: 'open-failed',
}

/** Wraps a better-sqlite3 error in a StoreError that names the file and says what to do. */
export function toStoreError(file: string, err: unknown, fallback: StoreErrorKind): StoreError {
  if (err instanceof StoreError) return err
  const code = (err as { code?: unknown }).code
  const message = err instanceof Error ? err.message : String(err)
  const kind =
    (typeof code === 'string' && SQLITE_KIND[code.split('_').slice(0, 2).join('_')]) || fallback
  const hint: Record<StoreErrorKind, string> = {
    corrupt: 'is not a SQLite database or is corrupt; move it aside or pass another --db',
    locked: 'is locked by another process (is another peer-monitor using it?)',
    'open-failed': 'cannot be opened',
    schema: 'has an unusable schema',
    'write-failed': 'write failed',
  }
  return new StoreError(kind, file, `${hint[kind]} (${message})`, { cause: err })
}

/**
 * Opens (creating and migrating if needed) the monitor's SQLite database:
 * WAL journal, foreign keys on, a busy timeout, and every write in a
 * transaction. Throws a StoreError of kind `corrupt`, `locked`,
 * `open-failed` or `schema`.
 */
export function openStore(init: StoreInit): MonitorStore {
  const { file, readonly = false } = init
  const busyTimeoutMs = checkInteger('busyTimeoutMs', init.busyTimeoutMs ?? 2000, 0, 600_000)
  const maxTransitions = checkInteger(
    'maxTransitionsPerObserver',
    init.maxTransitionsPerObserver ?? 200_000,
    1,
    2 ** 40,
  )
  const maxClosed = checkInteger('maxClosedEvidence', init.maxClosedEvidence ?? 10_000, 1, 2 ** 40)
  const pruneEvery = checkInteger('pruneEvery', init.pruneEvery ?? 1000, 1, 2 ** 30)
  const clock = init.clock ?? Date.now

  let db: Database.Database
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs })
  } catch (err) {
    throw toStoreError(file, err, 'open-failed')
  }
  try {
    if (!readonly) db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    migrate(db, file, readonly)
  } catch (err) {
    db.close()
    throw toStoreError(file, err, 'schema')
  }
  return createStore(db, file, { maxTransitions, maxClosed, pruneEvery, clock })
}

function migrate(db: Database.Database, file: string, readonly: boolean): void {
  const hasTable = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get()
  const current = hasTable
    ? ((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null })
        .v ?? 0)
    : 0
  if (current > MIGRATIONS.length) {
    throw new StoreError(
      'schema',
      file,
      `schema version ${current} is newer than this peer-monitor (${MIGRATIONS.length})`,
    )
  }
  if (readonly) {
    if (current < MIGRATIONS.length) {
      throw new StoreError('schema', file, 'is not a peer-monitor database (or an older one)')
    }
    return
  }
  db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)',
    )
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v - 1]!)
      db.prepare('INSERT INTO schema_migrations (version, applied_at_ms) VALUES (?, ?)').run(
        v,
        Date.now(),
      )
    }
  }).immediate()
}

const EVIDENCE_SELECT = `SELECT e.*, (SELECT json_group_array(observer) FROM
    (SELECT observer FROM evidence_observers WHERE evidence_id = e.id ORDER BY observer)) AS observers
  FROM evidence e`

interface Limits {
  maxTransitions: number
  maxClosed: number
  pruneEvery: number
  clock: () => number
}

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

function createStore(db: Database.Database, file: string, limits: Limits): MonitorStore {
  const { clock } = limits
  const q = {
    addObserver: db.prepare(
      'INSERT INTO observers (address, updated_at_ms) VALUES (?, ?) ON CONFLICT (address) DO NOTHING',
    ),
    observerId: db.prepare('SELECT id FROM observers WHERE address = ?').pluck(),
    identify: db.prepare(
      'UPDATE observers SET peer_id = ?, validator = ?, network = ?, updated_at_ms = ? WHERE id = ?',
    ),
    setCursor: db.prepare(
      'UPDATE observers SET incarnation = ?, last_sequence = ? WHERE id = ? AND (incarnation IS NOT ? OR last_sequence IS NULL OR last_sequence < ?)',
    ),
    setConnected: db.prepare(
      'UPDATE observers SET connected = ?, last_error = ?, updated_at_ms = ? WHERE address = ?',
    ),
    insertTransition: db.prepare(
      `INSERT OR IGNORE INTO transitions (observer_id, incarnation, sequence, peer_id, validator,
        from_state, to_state, at_ms, rtt_ms, consecutive_misses, reason, received_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    clearViews: db.prepare('DELETE FROM peer_views WHERE observer_id = ?'),
    upsertView: db.prepare(
      `INSERT INTO peer_views (observer_id, validator, peer_id, state, since_ms, last_seen_ms, consecutive_misses, rtt_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (observer_id, validator) DO UPDATE SET peer_id = excluded.peer_id, state = excluded.state,
         since_ms = excluded.since_ms, last_seen_ms = COALESCE(excluded.last_seen_ms, last_seen_ms),
         consecutive_misses = excluded.consecutive_misses, rtt_ms = COALESCE(excluded.rtt_ms, rtt_ms)`,
    ),
    refreshView: db.prepare(
      `UPDATE peer_views SET rtt_ms = @rttMs,
         last_seen_ms = MAX(COALESCE(last_seen_ms, @lastSeenMs), @lastSeenMs)
       WHERE observer_id = @id AND validator = @validator AND peer_id = @peerId AND state = @state
         AND @rttMs IS NOT NULL AND @lastSeenMs IS NOT NULL
         -- written only when the RTT shown (whole ms) changes: most refreshes write nothing
         AND ROUND(rtt_ms) IS NOT ROUND(@rttMs)`,
    ),
    insertGap: db.prepare(
      `INSERT INTO gaps (observer_id, reason, requested_incarnation, requested_after, oldest_available, received_at_ms)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    pruneTransitions: db.prepare(
      `DELETE FROM transitions WHERE observer_id = @id AND id <= (
         SELECT id FROM transitions WHERE observer_id = @id ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    ),
    pruneGaps: db.prepare(
      `DELETE FROM gaps WHERE observer_id = @id AND id <= (
         SELECT id FROM gaps WHERE observer_id = @id ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    ),
    pruneEvidence: db.prepare(
      `DELETE FROM evidence WHERE closed_at_ms IS NOT NULL AND id <= (
         SELECT id FROM evidence WHERE closed_at_ms IS NOT NULL ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    ),
    upsertEvidence: db.prepare(
      `INSERT INTO evidence (id, validator, offline_since_ms, opened_at_ms, last_seen_ms, closed_at_ms, missed_pings)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET offline_since_ms = excluded.offline_since_ms,
         last_seen_ms = excluded.last_seen_ms, closed_at_ms = excluded.closed_at_ms,
         missed_pings = excluded.missed_pings`,
    ),
    addEvidenceObserver: db.prepare(
      'INSERT OR IGNORE INTO evidence_observers (evidence_id, observer) VALUES (?, ?)',
    ),
    resetCursor: db.prepare('UPDATE observers SET incarnation = ?, last_sequence = ? WHERE id = ?'),
    observers: db.prepare('SELECT * FROM observers ORDER BY address'),
    cursor: db.prepare('SELECT incarnation, last_sequence FROM observers WHERE address = ?'),
    views: db.prepare(
      `SELECT o.address, v.peer_id AS peerId, v.validator, v.state, v.since_ms AS sinceMs,
         v.last_seen_ms AS lastSeenMs, v.consecutive_misses AS consecutiveMisses, v.rtt_ms AS rttMs
       FROM peer_views v JOIN observers o ON o.id = v.observer_id ORDER BY v.validator, o.address`,
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
    gaps: db.prepare(
      `SELECT g.reason, g.requested_incarnation AS requestedIncarnation, g.requested_after AS requestedAfter,
         g.oldest_available AS oldestAvailable
       FROM gaps g JOIN observers o ON o.id = g.observer_id WHERE o.address = ? ORDER BY g.id`,
    ),
    evidence: db.prepare(
      `${EVIDENCE_SELECT} ORDER BY e.closed_at_ms IS NOT NULL, e.id DESC LIMIT ?`,
    ),
    openEvidence: db.prepare(`${EVIDENCE_SELECT} WHERE e.closed_at_ms IS NULL ORDER BY e.id`),
    lastEvidenceId: db.prepare('SELECT MAX(id) FROM evidence').pluck(),
    judgedUntil: db.prepare(
      `SELECT validator, MAX(closed_at_ms) AS untilMs FROM evidence
       WHERE closed_at_ms IS NOT NULL GROUP BY validator`,
    ),
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
  let insertsSincePrune = 0

  /** Runs `fn` in one IMMEDIATE transaction; any failure becomes a StoreError. */
  const write = <A extends unknown[], R>(fn: (...args: A) => R) => {
    const tx = db.transaction(fn)
    return (...args: A): R => {
      try {
        return tx.immediate(...args)
      } catch (err) {
        throw toStoreError(file, err, 'write-failed')
      }
    }
  }
  const read = <R>(fn: () => R): R => {
    try {
      return fn()
    } catch (err) {
      throw toStoreError(file, err, 'write-failed')
    }
  }

  const idOf = (address: string): number => {
    const id = q.observerId.get(address) as number | undefined
    if (id !== undefined) return id
    q.addObserver.run(address, clock())
    return q.observerId.get(address) as number
  }
  const identify = (id: number, who: ObserverIdentity): void => {
    q.identify.run(who.peerId, who.validator, who.network, clock(), id)
  }
  const moveCursor = (id: number, incarnation: string, sequence: number): void => {
    q.setCursor.run(incarnation, sequence, id, incarnation, sequence)
  }
  const upsertView = (id: number, p: PeerStatusRecord): void => {
    q.upsertView.run(
      id,
      p.validator,
      p.peerId,
      p.state,
      p.sinceMs,
      p.lastSeenMs,
      p.consecutiveMisses,
      p.rttMs,
    )
  }
  const pruneMaybe = (id: number): void => {
    if (++insertsSincePrune < limits.pruneEvery) return
    insertsSincePrune = 0
    q.pruneTransitions.run({ id, keep: limits.maxTransitions })
    q.pruneGaps.run({ id, keep: limits.maxTransitions })
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

  const listObservers = (): ObserverRow[] =>
    read(() =>
      (
        q.observers.all() as Array<{
          address: string
          peer_id: string | null
          validator: string | null
          network: string | null
          incarnation: string | null
          last_sequence: number | null
          connected: number
          last_error: string | null
        }>
      ).map((r) => ({
        address: r.address,
        peerId: r.peer_id,
        validator: r.validator,
        network: r.network,
        cursor:
          r.incarnation === null || r.last_sequence === null
            ? null
            : { incarnation: r.incarnation, lastSequence: r.last_sequence },
        connected: r.connected === 1,
        lastError: r.last_error,
      })),
    )

  return {
    file,
    addObserver: write((address: string) => {
      idOf(address)
      q.setConnected.run(0, null, clock(), address)
    }),
    observers: listObservers,
    cursor: (address) =>
      read(() => {
        const row = q.cursor.get(address) as
          | { incarnation: string | null; last_sequence: number | null }
          | undefined
        return row === undefined || row.incarnation === null || row.last_sequence === null
          ? null
          : { incarnation: row.incarnation, lastSequence: row.last_sequence }
      }),
    applySnapshot: write(
      (address: string, who: ObserverIdentity, lastSequence: number, peers: PeerStatusRecord[]) => {
        const id = idOf(address)
        identify(id, who)
        q.clearViews.run(id)
        for (const p of peers) upsertView(id, p)
        // A snapshot resets the cursor even when it is lower (new incarnation).
        q.resetCursor.run(who.incarnation, lastSequence, id)
      },
    ),
    refreshViews: write((address: string, peers: readonly PeerStatusRecord[]) => {
      const id = q.observerId.get(address) as number | undefined
      if (id === undefined) return 0
      let changed = 0
      for (const p of peers) {
        const { validator, peerId, state, rttMs, lastSeenMs } = p
        changed += q.refreshView.run({ id, validator, peerId, state, rttMs, lastSeenMs }).changes
      }
      return changed
    }),
    applyTransition: write((address: string, who: ObserverIdentity, t: TransitionRecord) => {
      const id = idOf(address)
      const inserted =
        q.insertTransition.run(
          id,
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
          clock(),
        ).changes === 1
      if (!inserted) return false
      identify(id, who)
      upsertView(id, {
        peerId: t.peerId,
        validator: t.validator,
        state: t.toState,
        sinceMs: t.atMs,
        lastSeenMs:
          t.lastSeenMs ?? (t.toState === 'CONNECTED' || t.toState === 'SLOW' ? t.atMs : null),
        consecutiveMisses: t.consecutiveMisses,
        rttMs: t.rttMs,
      })
      moveCursor(id, who.incarnation, t.sequence)
      pruneMaybe(id)
      return true
    }),
    recordGap: write((address: string, gap: GapRecord) => {
      q.insertGap.run(
        idOf(address),
        gap.reason,
        gap.requestedIncarnation,
        gap.requestedAfter,
        gap.oldestAvailable,
        clock(),
      )
    }),
    setConnected: write((address: string, connected: boolean, lastError?: string | null) => {
      q.setConnected.run(connected ? 1 : 0, lastError ?? null, clock(), address)
    }),
    views: () => read(() => q.views.all() as ViewRow[]),
    timeline: (sinceMs, limit) => read(() => q.timeline.all(sinceMs, limit) as TimelineRow[]),
    sequences: (address, incarnation) =>
      read(() => q.sequences.all(address, incarnation) as number[]),
    gaps: (address) => read(() => q.gaps.all(address) as GapRecord[]),
    saveEvidence: write((records: readonly EvidenceRecord[]) => {
      for (const r of records) {
        q.upsertEvidence.run(
          r.id,
          r.validator,
          r.offlineSinceMs,
          r.openedAtMs,
          r.lastSeenMs,
          r.closedAtMs,
          r.missedPings,
        )
        for (const o of r.observers) q.addEvidenceObserver.run(r.id, o)
      }
      if (records.some((r) => r.closedAtMs !== null)) q.pruneEvidence.run(limits.maxClosed)
    }),
    evidence: (limit) => read(() => (q.evidence.all(limit) as EvidenceDbRow[]).map(toRecord)),
    openEvidence: () => read(() => (q.openEvidence.all() as EvidenceDbRow[]).map(toRecord)),
    lastEvidenceId: () => read(() => (q.lastEvidenceId.get() as number | null) ?? 0),
    closedIntervals: (limit) => read(() => q.closedIntervals.all(limit) as StoredInterval[]),
    judgedUntil: () =>
      read(() => q.judgedUntil.all() as Array<{ validator: string; untilMs: number }>),
    close() {
      if (db.open) db.close()
    },
  }
}
