/**
 * Quorum overlaps of OFFLINE intervals: pure (no clock, no state). The
 * evidence engine feeds it every interval it knows for one validator (the
 * closed ones from replayed or live history, the open ones from live views),
 * so an outage that began and ended while the monitor was down is judged
 * exactly like one it watched live.
 *
 * Rule (network.md, "Liveness"): an observer *confirms* at time t when one
 * of its intervals contains t and began at least `thresholdMs` before t. An
 * overlap *opens* at the first t where `quorum` distinct observers confirm,
 * and *closes* at the first later t where fewer than `quorum` distinct
 * observers are OFFLINE at all. Times are the observers' own timestamps.
 */

/** One observer's OFFLINE interval for one validator, by the observer's clock. */
export interface OfflineInterval {
  /** Identity of the observing validator. */
  observer: string
  /** When it turned OFFLINE, ms since the Unix epoch. */
  startMs: number
  /** When it left OFFLINE, ms since the epoch; null while still OFFLINE. */
  endMs: number | null
  /** Consecutive misses the observer reported when it turned OFFLINE. */
  consecutiveMisses: number
  /** The observer's last reply from the validator before it went OFFLINE, null if never. */
  lastSeenMs: number | null
}

/** One stretch during which a quorum agreed. */
export interface QuorumOverlap {
  /** Earliest start among the observers' intervals that overlap the stretch. */
  offlineSinceMs: number
  /** When the quorum was first reached. */
  openedAtMs: number
  /** When fewer than the quorum were OFFLINE any more; null if that had not happened by `nowMs`. */
  closedAtMs: number | null
  /** Observers with an interval overlapping the stretch, sorted. */
  observers: string[]
  /** Maximum consecutive misses among those intervals. */
  missedPings: number
  /** Latest last-reply time among those intervals (only ones before the interval began). */
  lastSeenMs: number | null
}

export interface OverlapRule {
  /** Distinct observers that must agree (at least 2). */
  quorum: number
  /** How long each must have seen the validator OFFLINE, in ms. */
  thresholdMs: number
  /** The present: nothing at or after it is decided, and open intervals last until it. */
  nowMs: number
}

const distinct = (intervals: readonly OfflineInterval[], at: (i: OfflineInterval) => boolean) =>
  new Set(intervals.filter(at).map((i) => i.observer)).size

/**
 * Every quorum overlap in `intervals` (all of one validator), oldest first.
 * O(n²) in the number of intervals; the engine bounds how many it keeps.
 */
export function quorumOverlaps(
  intervals: readonly OfflineInterval[],
  rule: OverlapRule,
): QuorumOverlap[] {
  const { quorum, thresholdMs, nowMs } = rule
  const end = (i: OfflineInterval) => i.endMs ?? Number.POSITIVE_INFINITY
  const offlineAt = (t: number) => distinct(intervals, (i) => i.startMs <= t && t < end(i))
  const confirmingAt = (t: number) =>
    distinct(intervals, (i) => i.startMs + thresholdMs <= t && t < end(i))

  // The counts change only where an interval starts confirming or ends.
  const moments = new Set<number>()
  for (const i of intervals) {
    moments.add(i.startMs + thresholdMs)
    if (i.endMs !== null) moments.add(i.endMs)
  }
  const stretches: Array<{ openedAtMs: number; closedAtMs: number | null }> = []
  let openedAt: number | undefined
  for (const t of [...moments].filter((m) => m <= nowMs).sort((a, b) => a - b)) {
    if (openedAt === undefined) {
      if (confirmingAt(t) >= quorum) openedAt = t
    } else if (offlineAt(t) < quorum) {
      stretches.push({ openedAtMs: openedAt, closedAtMs: t })
      openedAt = undefined
    }
  }
  if (openedAt !== undefined) stretches.push({ openedAtMs: openedAt, closedAtMs: null })
  return stretches.map((s) => describe(intervals, s.openedAtMs, s.closedAtMs))
}

/** Folds the intervals overlapping `[openedAtMs, closedAtMs)` into one overlap. */
function describe(
  intervals: readonly OfflineInterval[],
  openedAtMs: number,
  closedAtMs: number | null,
): QuorumOverlap {
  const members = intervals.filter(
    (i) => (closedAtMs === null || i.startMs < closedAtMs) && (i.endMs ?? Infinity) > openedAtMs,
  )
  let lastSeenMs: number | null = null
  for (const i of members) {
    if (i.lastSeenMs !== null && i.lastSeenMs <= i.startMs) {
      lastSeenMs = Math.max(lastSeenMs ?? i.lastSeenMs, i.lastSeenMs)
    }
  }
  return {
    offlineSinceMs: Math.min(...members.map((i) => i.startMs)),
    openedAtMs,
    closedAtMs,
    observers: [...new Set(members.map((i) => i.observer))].sort(),
    missedPings: Math.max(0, ...members.map((i) => i.consecutiveMisses)),
    lastSeenMs,
  }
}
