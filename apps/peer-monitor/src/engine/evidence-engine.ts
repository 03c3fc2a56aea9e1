import { checkInteger } from '../errors.js'
import { PeerState } from '../states.js'
import { type OfflineInterval, quorumOverlaps } from './quorum-overlaps.js'

/**
 * The evidence engine: pure (no database, no timers, injected clock). It
 * keeps each observer's current view of every validator and turns agreement
 * between observers into unavailability evidence.
 *
 * Definitions (network.md, "Liveness": evidence needs a quorum of distinct
 * observers over overlapping intervals):
 *
 * - Each observer's OFFLINE intervals for V are kept: the closed ones from
 *   the transitions it reported (live or replayed after a monitor restart,
 *   with the node's own timestamps), and the open one of its current view
 *   while its stream is live. An observer *confirms* V offline at time t
 *   when one of its intervals contains t and began at least
 *   `offlineThresholdMs` before t.
 * - Evidence *opens* at the first moment at least `quorum` distinct
 *   observers confirm V at once ({@link quorumOverlaps}). All their OFFLINE
 *   intervals then contain `[t - threshold, t]`, so the intersection of the
 *   quorum's intervals is at least the threshold long: that is the overlap
 *   the spec asks for. An overlap found in history that has already ended
 *   (an outage that began and ended while the monitor was down) is stored
 *   as a closed record; times in it are the observers' own.
 * - An open record *closes* when fewer than `quorum` observers still see V
 *   OFFLINE (V came back for enough of them). An observer whose stream is
 *   down still counts with its last known view here: not knowing is not
 *   evidence that V came back.
 * - An observer whose stream is down or has a history gap is *not live*:
 *   its state is unknown over the gap, so it neither confirms nor joins a
 *   record until a snapshot (or a gap-free replay) makes it live again.
 * - Distinct observers are distinct validator identities; a validator never
 *   counts as an observer of itself. `SLOW` and `UNKNOWN` never count.
 *
 * - A stretch of time is judged once: after a record closes, only overlaps
 *   that end after its close make a new record (and open no earlier).
 *
 * Record fields: `offlineSinceMs` is the earliest `since` among the
 * observers in the record; `observers` is every live observer that saw V
 * OFFLINE while the record was open; `missedPings` is the MAXIMUM of the
 * consecutive misses those observers reported (nodes report misses on
 * transitions and in snapshots only, so it is a lower bound of the real
 * count); `lastSeenMs` is the latest reply any of them got from V before it
 * went offline.
 */

/** One observer's view of one validator. */
export interface PeerView {
  /** Base58 identity of the watched validator. */
  validator: string
  state: PeerState
  /** Since when the observer has seen it in `state`, ms since the Unix epoch. */
  sinceMs: number
  /** The observer's last reply from it, ms since the epoch, null if never. */
  lastSeenMs: number | null
  consecutiveMisses: number
}

/** One state change as an observer reported it. */
export interface ViewTransition {
  validator: string
  toState: PeerState
  atMs: number
  consecutiveMisses: number
  /** The observer's last reply from the validator at that moment, when the node says (last_seen_ms). */
  lastSeenMs?: number | null
}

/** A closed OFFLINE interval as stored: one observer's, for one validator. */
export interface StoredInterval extends OfflineInterval {
  validator: string
  endMs: number
}

/** An unavailability evidence record. */
export interface EvidenceRecord {
  /** Stable id (the database row). */
  id: number
  /** Base58 identity of the validator found offline. */
  validator: string
  offlineSinceMs: number
  /** When the quorum was reached, ms since the epoch. */
  openedAtMs: number
  lastSeenMs: number | null
  /** When it closed (the validator came back), null while open. */
  closedAtMs: number | null
  /** Maximum consecutive misses any observer in `observers` reported. */
  missedPings: number
  /** Identities of the observers that saw it offline, sorted. */
  observers: string[]
}

/** How long a record covers: until it closed, or until `nowMs` while open. */
export function evidenceDurationMs(record: EvidenceRecord, nowMs: number): number {
  return Math.max(0, (record.closedAtMs ?? nowMs) - record.offlineSinceMs)
}

/** Options of {@link createEvidenceEngine}. */
export interface EvidenceEngineInit {
  /**
   * Distinct observers that must agree. Below 2 one isolated observer could
   * accuse everyone, so 2 is the minimum.
   *
   * @default 2
   */
  quorum?: number
  /**
   * How long each observer of the quorum must have seen the validator
   * OFFLINE, in milliseconds.
   *
   * @default 30000
   */
  offlineThresholdMs?: number
  /** Observers tracked at once; views from more are refused (`false`). @default 256 */
  maxObservers?: number
  /** Validators one observer's view may hold; extra peers in a snapshot are ignored. @default 4096 */
  maxValidatorsPerObserver?: number
  /**
   * Closed OFFLINE intervals kept per (observer, validator) pair; older ones
   * are forgotten.
   *
   * @default 64
   */
  maxIntervalsPerPeer?: number
  /**
   * Restored from storage: open records, the highest id used so far, the
   * closed OFFLINE intervals not yet judged, and until when each validator's
   * history has been judged (its last record's close).
   */
  restore?: {
    open: EvidenceRecord[]
    lastId: number
    intervals?: readonly StoredInterval[]
    judgedUntil?: readonly { validator: string; untilMs: number }[]
  }
  /** Milliseconds since the Unix epoch. @default Date.now */
  clock?: () => number
}

export interface EvidenceEngine {
  readonly quorum: number
  readonly offlineThresholdMs: number
  /** Replaces everything `observer` sees (a snapshot) and makes it live. False if over `maxObservers`. */
  replaceView(observer: string, peers: readonly PeerView[]): boolean
  /** Applies one transition `observer` reported. False if the observer is unknown or full. */
  applyTransition(observer: string, transition: ViewTransition): boolean
  /** Marks an observer's stream up (resumed without a gap) or down (disconnected, gap). */
  setLive(observer: string, live: boolean): void
  /** Re-evaluates every validator at `clock()`: the records that opened, changed or closed. */
  evaluate(): EvidenceRecord[]
  /** Records currently open. */
  openRecords(): EvidenceRecord[]
}

const copy = (r: EvidenceRecord): EvidenceRecord => ({ ...r, observers: [...r.observers] })

interface ObserverState {
  live: boolean
  views: Map<string, PeerView>
  /** Closed OFFLINE intervals by validator, oldest first, capped. */
  closed: Map<string, OfflineInterval[]>
}

export function createEvidenceEngine(init: EvidenceEngineInit = {}): EvidenceEngine {
  const quorum = checkInteger('quorum', init.quorum ?? 2, 2, 1024)
  const thresholdMs = checkInteger(
    'offlineThresholdMs',
    init.offlineThresholdMs ?? 30_000,
    0,
    2 ** 40,
  )
  const maxObservers = checkInteger('maxObservers', init.maxObservers ?? 256, 1, 65_536)
  const maxViews = checkInteger(
    'maxValidatorsPerObserver',
    init.maxValidatorsPerObserver ?? 4096,
    1,
    1 << 20,
  )
  const maxIntervals = checkInteger(
    'maxIntervalsPerPeer',
    init.maxIntervalsPerPeer ?? 64,
    1,
    65_536,
  )
  const clock = init.clock ?? Date.now
  const observers = new Map<string, ObserverState>()
  const open = new Map<string, EvidenceRecord>()
  /** validator → until when its history has been turned into evidence (ms, observers' clocks). */
  const judgedUntil = new Map<string, number>()
  let lastId = init.restore?.lastId ?? 0
  for (const r of init.restore?.open ?? []) open.set(r.validator, copy(r))
  for (const j of init.restore?.judgedUntil ?? []) judgedUntil.set(j.validator, j.untilMs)

  const observerState = (id: string): ObserverState | undefined => {
    let o = observers.get(id)
    if (o === undefined) {
      if (observers.size >= maxObservers) return undefined
      o = { live: false, views: new Map(), closed: new Map() }
      observers.set(id, o)
    }
    return o
  }

  /** Keeps a closed interval unless that stretch was already judged; drops the oldest past the cap. */
  const keepClosed = (o: ObserverState, validator: string, interval: OfflineInterval): void => {
    if (interval.endMs! <= (judgedUntil.get(validator) ?? -Infinity)) return
    const list = o.closed.get(validator) ?? []
    list.push(interval)
    if (list.length > maxIntervals) list.shift()
    o.closed.set(validator, list)
  }
  for (const i of init.restore?.intervals ?? []) {
    const o = observerState(i.observer)
    if (o === undefined) continue
    const { validator, ...interval } = i
    keepClosed(o, validator, interval)
  }
  for (const o of observers.values()) {
    for (const list of o.closed.values()) list.sort((a, b) => a.startMs - b.startMs)
  }

  /** Marks `validator`'s history judged until `untilMs` and forgets intervals that ended by then. */
  const judged = (validator: string, untilMs: number): void => {
    judgedUntil.set(validator, Math.max(judgedUntil.get(validator) ?? untilMs, untilMs))
    for (const o of observers.values()) {
      const list = o.closed.get(validator)?.filter((i) => i.endMs! > untilMs)
      if (list === undefined || list.length === 0) o.closed.delete(validator)
      else o.closed.set(validator, list)
    }
  }

  /** Every interval that may confirm `validator` offline: closed ones, and live observers' open ones. */
  const intervalsOf = (validator: string): OfflineInterval[] => {
    const out: OfflineInterval[] = []
    for (const [id, o] of observers) {
      if (id === validator) continue
      for (const i of o.closed.get(validator) ?? []) out.push(i)
      const view = o.views.get(validator)
      if (o.live && view?.state === PeerState.OFFLINE) {
        out.push({
          observer: id,
          startMs: view.sinceMs,
          endMs: null,
          consecutiveMisses: view.consecutiveMisses,
          lastSeenMs: view.lastSeenMs,
        })
      }
    }
    return out
  }

  const offlineViews = (
    validator: string,
  ): Array<{ observer: string; live: boolean; view: PeerView }> => {
    const out: Array<{ observer: string; live: boolean; view: PeerView }> = []
    for (const [id, o] of observers) {
      if (id === validator) continue
      const view = o.views.get(validator)
      if (view?.state === PeerState.OFFLINE) out.push({ observer: id, live: o.live, view })
    }
    return out
  }

  /** Folds live offline observers into a record (observers, misses, last seen, since). */
  const absorb = (record: EvidenceRecord, seers: ReturnType<typeof offlineViews>): void => {
    const ids = new Set(record.observers)
    for (const { observer, live, view } of seers) {
      if (!live) continue
      ids.add(observer)
      record.offlineSinceMs = Math.min(record.offlineSinceMs, view.sinceMs)
      record.missedPings = Math.max(record.missedPings, view.consecutiveMisses)
      if (view.lastSeenMs !== null && view.lastSeenMs <= view.sinceMs) {
        record.lastSeenMs = Math.max(record.lastSeenMs ?? view.lastSeenMs, view.lastSeenMs)
      }
    }
    record.observers = [...ids].sort()
  }

  /** Records from the quorum overlaps in `validator`'s intervals not judged yet: closed ones, then at most one open. */
  const fromHistory = (validator: string, now: number): EvidenceRecord[] => {
    const since = judgedUntil.get(validator) ?? -Infinity
    const records: EvidenceRecord[] = []
    for (const overlap of quorumOverlaps(intervalsOf(validator), {
      quorum,
      thresholdMs,
      nowMs: now,
    })) {
      if ((overlap.closedAtMs ?? Infinity) <= since) continue
      const record: EvidenceRecord = {
        id: ++lastId,
        validator,
        ...overlap,
        openedAtMs: Math.max(overlap.openedAtMs, since),
      }
      records.push(record)
      if (record.closedAtMs === null) open.set(validator, record)
      else judged(validator, record.closedAtMs)
    }
    return records
  }

  const evaluateValidator = (validator: string, now: number): EvidenceRecord[] => {
    const current = open.get(validator)
    if (current === undefined) return fromHistory(validator, now).map(copy)
    const seers = offlineViews(validator)
    const before = JSON.stringify(current)
    if (seers.length < quorum) {
      current.closedAtMs = cameBackAt(validator, current, now)
      open.delete(validator)
      judged(validator, current.closedAtMs)
      return [copy(current)]
    }
    absorb(current, seers)
    return JSON.stringify(current) === before ? [] : [copy(current)]
  }

  /**
   * When the validator came back: the latest moment a record observer saw it
   * leave OFFLINE, or `now` when none did (an observer dropped it from its view).
   */
  const cameBackAt = (validator: string, record: EvidenceRecord, now: number): number => {
    let at: number | undefined
    for (const id of record.observers) {
      const view = observers.get(id)?.views.get(validator)
      if (view !== undefined && view.state !== PeerState.OFFLINE)
        at = Math.max(at ?? 0, view.sinceMs)
    }
    return Math.min(now, Math.max(record.openedAtMs, at ?? now))
  }

  return {
    quorum,
    offlineThresholdMs: thresholdMs,
    replaceView(observer, peers) {
      const o = observerState(observer)
      if (o === undefined) return false
      o.views = new Map()
      for (const peer of peers) {
        if (o.views.size >= maxViews) break
        o.views.set(peer.validator, { ...peer })
      }
      o.live = true
      return true
    },
    applyTransition(observer, t) {
      const o = observerState(observer)
      if (o === undefined) return false
      const previous = o.views.get(t.validator)
      if (previous === undefined && o.views.size >= maxViews) return false
      if (previous?.state === PeerState.OFFLINE && t.toState !== PeerState.OFFLINE) {
        keepClosed(o, t.validator, {
          observer,
          startMs: previous.sinceMs,
          endMs: t.atMs,
          consecutiveMisses: previous.consecutiveMisses,
          lastSeenMs: previous.lastSeenMs,
        })
      }
      const replied = t.toState === PeerState.CONNECTED || t.toState === PeerState.SLOW
      o.views.set(t.validator, {
        validator: t.validator,
        state: t.toState,
        sinceMs: t.atMs,
        lastSeenMs: t.lastSeenMs ?? (replied ? t.atMs : (previous?.lastSeenMs ?? null)),
        consecutiveMisses: t.consecutiveMisses,
      })
      return true
    },
    setLive(observer, live) {
      const o = live ? observerState(observer) : observers.get(observer)
      if (o !== undefined) o.live = live
    },
    evaluate() {
      const now = clock()
      const validators = new Set<string>(open.keys())
      for (const o of observers.values()) for (const v of o.views.keys()) validators.add(v)
      const changed: EvidenceRecord[] = []
      for (const o of observers.values()) for (const v of o.closed.keys()) validators.add(v)
      for (const v of validators) changed.push(...evaluateValidator(v, now))
      return changed
    },
    openRecords: () => [...open.values()].map(copy),
  }
}
