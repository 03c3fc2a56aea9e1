import { LivenessError } from './errors.js'
import { RingBuffer } from './ring-buffer.js'
import type { PeerTransition } from './transition.js'

/** Why the history cannot replay what was asked. */
export type HistoryGapReason =
  /** The transitions after `afterSequence` were partly evicted from the bounded history. */
  | 'evicted'
  /**
   * `afterSequence` is beyond the newest sequence: the watcher saw a previous
   * run of this node (sequences restart at 1 with the process).
   */
  | 'ahead'

/** What {@link TransitionHistory.since} returns. */
export type HistoryResult =
  /** Every transition with sequence greater than the one asked for, oldest first. */
  | { gap: false; transitions: PeerTransition[] }
  /**
   * Some of those transitions are gone: the caller must say so to its watcher
   * and send a fresh snapshot. `oldestAvailable` is the oldest sequence still
   * held (`latest + 1` when the history is empty).
   */
  | { gap: true; reason: HistoryGapReason; oldestAvailable: number; latest: number }

/** The bounded, replayable record of the last `capacity` transitions. */
export class TransitionHistory {
  private readonly ring: RingBuffer<PeerTransition>
  private latestSequence = 0

  constructor(capacity: number) {
    this.ring = new RingBuffer(capacity)
  }

  /** The newest sequence recorded, 0 before the first. */
  get latest(): number {
    return this.latestSequence
  }

  append(transition: PeerTransition): void {
    this.ring.push(transition)
    this.latestSequence = transition.sequence
  }

  /**
   * Transitions after `afterSequence` (0 = from the start), or an explicit gap.
   * Sequences in the ring are consecutive, so the answer is a slice.
   */
  since(afterSequence: number): HistoryResult {
    if (!Number.isSafeInteger(afterSequence) || afterSequence < 0) {
      throw new LivenessError(
        'InvalidArgument',
        `history afterSequence must be a non-negative integer, got ${String(afterSequence)}`,
      )
    }
    const oldest = this.ring.at(0)?.sequence ?? this.latestSequence + 1
    const latest = this.latestSequence
    if (afterSequence > latest) {
      return { gap: true, reason: 'ahead', oldestAvailable: oldest, latest }
    }
    if (afterSequence + 1 < oldest) {
      return { gap: true, reason: 'evicted', oldestAvailable: oldest, latest }
    }
    const transitions: PeerTransition[] = []
    for (let i = afterSequence + 1 - oldest; i < this.ring.length; i++) {
      transitions.push(this.ring.at(i) as PeerTransition)
    }
    return { gap: false, transitions }
  }
}
