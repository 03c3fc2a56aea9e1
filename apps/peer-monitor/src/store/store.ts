/**
 * The monitor's SQLite store: opening (this file), the schema and its
 * migrations (migrations.ts), and one repository per table (observers,
 * transitions, peer-views, gaps, evidence), whose statements are prepared
 * once when the store opens. Every write runs in one transaction.
 */
import Database from 'better-sqlite3'
import type { EvidenceRecord, StoredInterval } from '../engine/evidence-engine.js'
import { checkInteger, StoreError, type StoreErrorCode } from '../errors.js'
import { EvidenceRepository } from './evidence.js'
import { GapRepository } from './gaps.js'
import { migrate } from './migrations.js'
import { ObserverRepository } from './observers.js'
import { PeerViewRepository } from './peer-views.js'
import type {
  Cursor,
  GapRecord,
  ObserverIdentity,
  ObserverRow,
  PeerStatusRecord,
  TimelineRow,
  TransitionRecord,
  ViewRow,
} from './records.js'
import { TransitionRepository } from './transitions.js'

export type * from './records.js'

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

const SQLITE_CODE: Record<string, StoreErrorCode> = {
  SQLITE_NOTADB: 'Corrupt',
  SQLITE_CORRUPT: 'Corrupt',
  SQLITE_BUSY: 'Locked',
  SQLITE_LOCKED: 'Locked',
  SQLITE_CANTOPEN: 'OpenFailed',
  SQLITE_PERM: 'OpenFailed',
  SQLITE_READONLY: 'OpenFailed',
}

/** Wraps a better-sqlite3 error in a StoreError that names the file and says what to do. */
export function toStoreError(file: string, err: unknown, fallback: StoreErrorCode): StoreError {
  if (err instanceof StoreError) return err
  const sqliteCode = (err as { code?: unknown }).code
  const message = err instanceof Error ? err.message : String(err)
  const code =
    (typeof sqliteCode === 'string' && SQLITE_CODE[sqliteCode.split('_').slice(0, 2).join('_')]) ||
    fallback
  const hint: Record<StoreErrorCode, string> = {
    Corrupt: 'is not a SQLite database or is corrupt; move it aside or pass another --db',
    Locked: 'is locked by another process (is another peer-monitor using it?)',
    OpenFailed: 'cannot be opened',
    Schema: 'has an unusable schema',
    WriteFailed: 'write failed',
  }
  return new StoreError(code, file, `${hint[code]} (${message})`, { cause: err })
}

/**
 * Opens (creating and migrating if needed) the monitor's SQLite database:
 * WAL journal, foreign keys on, a busy timeout, and every write in a
 * transaction. Throws a StoreError of code `Corrupt`, `Locked`,
 * `OpenFailed` or `Schema`.
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
    throw toStoreError(file, err, 'OpenFailed')
  }
  try {
    if (!readonly) db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    migrate(db, file, readonly)
  } catch (err) {
    db.close()
    throw toStoreError(file, err, 'Schema')
  }
  return createStore(db, file, { maxTransitions, maxClosed, pruneEvery, clock })
}

interface Limits {
  maxTransitions: number
  maxClosed: number
  pruneEvery: number
  clock: () => number
}

/** The store over an open, migrated database: one repository per table, every statement prepared once. */
function createStore(db: Database.Database, file: string, limits: Limits): MonitorStore {
  const { clock } = limits
  const observers = new ObserverRepository(db, clock)
  const transitions = new TransitionRepository(db, clock)
  const views = new PeerViewRepository(db)
  const gaps = new GapRepository(db, clock)
  const evidence = new EvidenceRepository(db)
  let insertsSincePrune = 0

  /** Runs `fn` in one IMMEDIATE transaction; any failure becomes a StoreError. */
  const write = <A extends unknown[], R>(fn: (...args: A) => R) => {
    const tx = db.transaction(fn)
    return (...args: A): R => {
      try {
        return tx.immediate(...args)
      } catch (err) {
        throw toStoreError(file, err, 'WriteFailed')
      }
    }
  }
  const read = <R>(fn: () => R): R => {
    try {
      return fn()
    } catch (err) {
      throw toStoreError(file, err, 'WriteFailed')
    }
  }
  const pruneMaybe = (id: number): void => {
    if (++insertsSincePrune < limits.pruneEvery) return
    insertsSincePrune = 0
    transitions.prune(id, limits.maxTransitions)
    gaps.prune(id, limits.maxTransitions)
  }

  return {
    file,
    addObserver: write((address: string) => {
      observers.idOf(address)
      observers.setConnected(address, false, null)
    }),
    observers: () => read(() => observers.all()),
    cursor: (address) => read(() => observers.cursor(address)),
    applySnapshot: write(
      (address: string, who: ObserverIdentity, lastSequence: number, peers: PeerStatusRecord[]) => {
        const id = observers.idOf(address)
        observers.identify(id, who)
        views.clear(id)
        for (const p of peers) views.upsert(id, p)
        // A snapshot resets the cursor even when it is lower (new incarnation).
        observers.resetCursor(id, who.incarnation, lastSequence)
      },
    ),
    refreshViews: write((address: string, peers: readonly PeerStatusRecord[]) => {
      const id = observers.find(address)
      if (id === undefined) return 0
      let changed = 0
      for (const p of peers) changed += views.refresh(id, p)
      return changed
    }),
    applyTransition: write((address: string, who: ObserverIdentity, t: TransitionRecord) => {
      const id = observers.idOf(address)
      if (!transitions.insert(id, who, t)) return false
      observers.identify(id, who)
      views.upsert(id, {
        peerId: t.peerId,
        validator: t.validator,
        state: t.toState,
        sinceMs: t.atMs,
        lastSeenMs:
          t.lastSeenMs ?? (t.toState === 'CONNECTED' || t.toState === 'SLOW' ? t.atMs : null),
        consecutiveMisses: t.consecutiveMisses,
        rttMs: t.rttMs,
      })
      observers.advanceCursor(id, who.incarnation, t.sequence)
      pruneMaybe(id)
      return true
    }),
    recordGap: write((address: string, gap: GapRecord) => {
      gaps.insert(observers.idOf(address), gap)
    }),
    setConnected: write((address: string, connected: boolean, lastError?: string | null) => {
      observers.setConnected(address, connected, lastError ?? null)
    }),
    views: () => read(() => views.all()),
    timeline: (sinceMs, limit) => read(() => transitions.timeline(sinceMs, limit)),
    sequences: (address, incarnation) => read(() => transitions.sequences(address, incarnation)),
    gaps: (address) => read(() => gaps.of(address)),
    saveEvidence: write((records: readonly EvidenceRecord[]) => {
      for (const r of records) evidence.save(r)
      if (records.some((r) => r.closedAtMs !== null)) evidence.pruneClosed(limits.maxClosed)
    }),
    evidence: (limit) => read(() => evidence.newest(limit)),
    openEvidence: () => read(() => evidence.open()),
    lastEvidenceId: () => read(() => evidence.lastId()),
    closedIntervals: (limit) => read(() => transitions.closedIntervals(limit)),
    judgedUntil: () => read(() => evidence.judgedUntil()),
    close() {
      if (db.open) db.close()
    },
  }
}
