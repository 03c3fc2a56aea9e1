import { type EvidenceRecord, evidenceDurationMs } from '../engine/evidence-engine.js'
import type { Monitor, WatchStatus } from '../monitor.js'
import type { PeerState } from '../states.js'
import type { TimelineRow, ViewRow } from '../store/store.js'

/** One coloured stretch of a timeline bar. */
export interface Segment {
  state: PeerState
  fromMs: number
  toMs: number
}

/** Everything the dashboard page shows, as served at `/api/state` and pushed on `/events`. */
export interface DashboardState {
  nowMs: number
  quorum: number
  offlineThresholdMs: number
  /** Each watched node, named by its `--label` (null without one) even before it first answers. */
  observers: Array<
    WatchStatus & { validator: string | null; peerId: string | null; name: string | null }
  >
  /**
   * Every validator some observer reports on: first the observers' own, in
   * the observers' order (so "self" is the diagonal of the matrix), then the
   * others sorted.
   */
  validators: string[]
  /** Names of validators where known (from `--label ADDR=NAME` of the observer at ADDR). */
  names: Record<string, string>
  cells: Array<Omit<ViewRow, 'peerId'>>
  evidence: Array<EvidenceRecord & { durationMs: number }>
  timeline: {
    fromMs: number
    toMs: number
    rows: Array<{ validator: string; address: string; segments: Segment[] }>
  }
}

/** Bounds on what one state document carries. */
export interface StateLimits {
  /** How far back the timeline reaches at most, in milliseconds (it spans less when less is known). */
  timelineWindowMs: number
  /** Most transitions read for the timeline. */
  maxTimelineTransitions: number
  /** Most evidence records listed. */
  maxEvidence: number
}

const MIN_TIMELINE_MS = 60_000

export function dashboardState(
  monitor: Monitor,
  limits: StateLimits,
  labels: ReadonlyMap<string, string> = new Map(),
): DashboardState {
  const nowMs = monitor.clock()
  const { store, engine } = monitor
  const rows = new Map(store.observers().map((o) => [o.address, o]))
  const observers = monitor.status().map((s) => ({
    ...s,
    validator: rows.get(s.address)?.validator ?? null,
    peerId: rows.get(s.address)?.peerId ?? null,
    name: labels.get(s.address) ?? null,
  }))
  const watched = new Set(observers.map((o) => o.address))
  const views = store.views().filter((v) => watched.has(v.address))
  const validators = new Set(views.map((v) => v.validator))
  for (const o of observers) if (o.validator !== null) validators.add(o.validator)
  // The timeline spans what is known, at least a minute and at most the window.
  const transitions = store
    .timeline(nowMs - limits.timelineWindowMs, limits.maxTimelineTransitions)
    .filter((t) => watched.has(t.address))
  const earliest = Math.min(
    nowMs - MIN_TIMELINE_MS,
    ...views.map((v) => v.sinceMs),
    ...transitions.map((t) => t.atMs),
  )
  const fromMs = Math.max(nowMs - limits.timelineWindowMs, earliest)
  return {
    nowMs,
    quorum: engine.quorum,
    offlineThresholdMs: engine.offlineThresholdMs,
    observers,
    validators: diagonalOrder(observers, validators),
    names: Object.fromEntries(
      observers.flatMap((o) => {
        const name = labels.get(o.address)
        return o.validator !== null && name !== undefined ? [[o.validator, name]] : []
      }),
    ),
    cells: views.map(({ peerId: _peerId, ...cell }) => cell),
    evidence: store
      .evidence(limits.maxEvidence)
      .map((r) => ({ ...r, durationMs: evidenceDurationMs(r, nowMs) })),
    timeline: {
      fromMs,
      toMs: nowMs,
      rows: timelineRows(views, transitions, fromMs, nowMs),
    },
  }
}

/** The observers' validators in observer order, then every other validator sorted. */
function diagonalOrder(
  observers: ReadonlyArray<{ validator: string | null }>,
  validators: ReadonlySet<string>,
): string[] {
  const first = [...new Set(observers.flatMap((o) => (o.validator === null ? [] : [o.validator])))]
  const rest = [...validators].filter((v) => !first.includes(v)).sort()
  return [...first, ...rest]
}

/** One bar per (validator, observer): its states over [fromMs, toMs]. */
export function timelineRows(
  views: readonly ViewRow[],
  transitions: readonly TimelineRow[],
  fromMs: number,
  toMs: number,
): DashboardState['timeline']['rows'] {
  const key = (validator: string, address: string) => `${validator}\u0000${address}`
  const byPair = new Map<string, TimelineRow[]>()
  for (const t of transitions) {
    const k = key(t.validator, t.address)
    byPair.set(k, [...(byPair.get(k) ?? []), t])
  }
  return views.map((view) => {
    const ts = byPair.get(key(view.validator, view.address)) ?? []
    const segments: Segment[] = []
    const push = (state: PeerState, from: number, to: number) => {
      if (to > from) segments.push({ state, fromMs: from, toMs: to })
    }
    let at = fromMs
    if (ts.length === 0 && view.sinceMs > fromMs) {
      push('UNKNOWN', fromMs, view.sinceMs)
      at = view.sinceMs
    }
    let state: PeerState = ts[0]?.fromState ?? view.state
    for (const t of ts) {
      push(state, at, t.atMs)
      at = Math.max(at, t.atMs)
      state = t.toState
    }
    push(view.state, at, toMs)
    return { validator: view.validator, address: view.address, segments }
  })
}
