import { checkIntegerOption, LivenessError } from './errors.js'
import type { PeerSnapshot } from './peer-registry.js'
import { PeerState } from './peer-state.js'
import { RingBuffer } from './ring-buffer.js'
import type { PeerTransition } from './transition.js'

/** Options of {@link createEvidenceTracker}. */
export interface EvidenceTrackerInit {
  /** This node's base58 validator identity, written into every record as `observer`. */
  observer: string
  /**
   * A peer OFFLINE continuously for at least this long yields an evidence
   * record, in milliseconds.
   *
   * @default 60000
   */
  evidenceAfterMs?: number
  /**
   * How many closed records are kept; the oldest closed record is dropped
   * first. Open records are at most one per tracked peer.
   *
   * @default 1000
   */
  maxClosedRecords?: number
  /**
   * The clock, in milliseconds since the Unix epoch.
   *
   * @default Date.now
   */
  clock?: () => number
}

/**
 * One observer's unavailability evidence against one validator: it stayed
 * OFFLINE from `offlineSince` for at least `evidenceAfterMs`. A single
 * observer never suffices to accuse anyone; the monitor app combines
 * records of distinct observers over overlapping intervals.
 */
export interface EvidenceRecord {
  validator: string
  peer: string
  /** When the peer became OFFLINE, ms since epoch. */
  offlineSince: number
  /** Its last reply before that, ms since epoch, or null if it never replied. */
  lastSeen: number | null
  /** Consecutive missed probes, as of the last update (open) or the close. */
  missedPings: number
  /** The base58 identity of the node that observed it. */
  observer: string
  /** When the offline period ended (the peer replied again, or was untracked), or null while open. */
  closedAt: number | null
}

/**
 * Derives unavailability evidence from registry transitions and the clock.
 * Pure: no timers; its owner calls {@link EvidenceTracker.check} periodically.
 * SLOW never yields evidence: only time spent OFFLINE counts.
 */
export interface EvidenceTracker {
  /** Feed every registry transition, in order. */
  observe(transition: PeerTransition): void
  /**
   * Opens a record for every peer OFFLINE for at least `evidenceAfterMs` by
   * now, and refreshes `missedPings` of open records from `peers` (the
   * registry snapshot). Returns the records opened by this call.
   */
  check(peers: Iterable<PeerSnapshot>): EvidenceRecord[]
  /** The peer is no longer tracked: closes its open record, now. */
  forget(peer: string): void
  /** Open records, in the order they were opened. */
  open(): EvidenceRecord[]
  /** Closed records still kept, oldest first. */
  closed(): EvidenceRecord[]
}

interface OfflinePeriod {
  validator: string
  offlineSince: number
  lastSeen: number | null
  missedPings: number
  record: EvidenceRecord | undefined
}

class DefaultEvidenceTracker implements EvidenceTracker {
  private readonly observer: string
  private readonly evidenceAfterMs: number
  private readonly clock: () => number
  private readonly offline = new Map<string, OfflinePeriod>()
  private readonly closedRecords: RingBuffer<EvidenceRecord>

  constructor(init: EvidenceTrackerInit) {
    if (typeof init.observer !== 'string' || init.observer === '') {
      throw new LivenessError(
        'invalid-config',
        'evidence option observer must be a non-empty identity',
      )
    }
    this.observer = init.observer
    this.evidenceAfterMs = checkIntegerOption('evidenceAfterMs', init.evidenceAfterMs ?? 60_000, 0)
    this.closedRecords = new RingBuffer(
      checkIntegerOption('maxClosedRecords', init.maxClosedRecords ?? 1000, 1),
    )
    this.clock = init.clock ?? Date.now
  }

  observe(t: PeerTransition): void {
    if (t.from === PeerState.OFFLINE) this.close(t.peer, t.at)
    if (t.to === PeerState.OFFLINE) {
      this.offline.set(t.peer, {
        validator: t.validator,
        offlineSince: t.at,
        lastSeen: t.lastSeenAt,
        missedPings: t.consecutiveMisses,
        record: undefined,
      })
    }
  }

  check(peers: Iterable<PeerSnapshot>): EvidenceRecord[] {
    const now = this.clock()
    for (const p of peers) {
      const period = this.offline.get(p.peer)
      if (period !== undefined && p.state === PeerState.OFFLINE) {
        period.missedPings = p.consecutiveMisses
        if (period.record !== undefined) period.record.missedPings = p.consecutiveMisses
      }
    }
    const opened: EvidenceRecord[] = []
    for (const [peer, period] of this.offline) {
      if (period.record === undefined && now - period.offlineSince >= this.evidenceAfterMs) {
        period.record = this.toRecord(peer, period)
        opened.push({ ...period.record })
      }
    }
    return opened
  }

  forget(peer: string): void {
    this.close(peer, this.clock())
  }

  open(): EvidenceRecord[] {
    const out: EvidenceRecord[] = []
    for (const period of this.offline.values()) {
      if (period.record !== undefined) out.push({ ...period.record })
    }
    return out
  }

  closed(): EvidenceRecord[] {
    return this.closedRecords.toArray().map((r) => ({ ...r }))
  }

  /**
   * Ends the peer's offline period at `at`. An offline period that lasted the
   * threshold but was never checked while open still yields a (closed) record.
   */
  private close(peer: string, at: number): void {
    const period = this.offline.get(peer)
    if (period === undefined) return
    this.offline.delete(peer)
    const record =
      period.record ??
      (at - period.offlineSince >= this.evidenceAfterMs ? this.toRecord(peer, period) : undefined)
    if (record === undefined) return
    record.closedAt = at
    this.closedRecords.push(record)
  }

  private toRecord(peer: string, period: OfflinePeriod): EvidenceRecord {
    return {
      validator: period.validator,
      peer,
      offlineSince: period.offlineSince,
      lastSeen: period.lastSeen,
      missedPings: period.missedPings,
      observer: this.observer,
      closedAt: null,
    }
  }
}

/** Creates an {@link EvidenceTracker}; throws `invalid-config` on a bad option. */
export function createEvidenceTracker(init: EvidenceTrackerInit): EvidenceTracker {
  return new DefaultEvidenceTracker(init)
}
