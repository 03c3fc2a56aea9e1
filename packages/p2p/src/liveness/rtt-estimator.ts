/**
 * A peer's round-trip time as TCP estimates it (RFC 6298, section 2): a
 * smoothed RTT and an RTT variation, both exponentially weighted, from which
 * the time after which a reply is overdue follows as `srtt + 4·rttvar`.
 * Pure and O(1): no clock, no history.
 */

/** RFC 6298's gains: the smoothed RTT moves 1/8 and the variation 1/4 towards each sample. */
const ALPHA = 1 / 8
const BETA = 1 / 4
/** RFC 6298's K: how many variations above the smoothed RTT a reply is still expected. */
const K = 4

export class RttEstimator {
  /** Smoothed RTT in milliseconds; null before the first sample. */
  srttMs: number | null = null
  /** RTT variation (mean deviation) in milliseconds; null before the first sample. */
  rttvarMs: number | null = null

  /** Takes one measured RTT in milliseconds (finite, non-negative: the caller checks). */
  sample(rttMs: number): void {
    if (this.srttMs === null || this.rttvarMs === null) {
      this.srttMs = rttMs
      this.rttvarMs = rttMs / 2
      return
    }
    this.rttvarMs = (1 - BETA) * this.rttvarMs + BETA * Math.abs(this.srttMs - rttMs)
    this.srttMs = (1 - ALPHA) * this.srttMs + ALPHA * rttMs
  }

  /** Forgets every sample (a peer that went away is judged afresh when it returns). */
  reset(): void {
    this.srttMs = null
    this.rttvarMs = null
  }

  /**
   * How long to wait for a reply before counting a miss: `srtt + 4·rttvar`,
   * never below `floorMs` (the configured timeout, which alone applies
   * before the first sample) nor above `ceilingMs`.
   */
  timeoutMs(floorMs: number, ceilingMs: number): number {
    if (this.srttMs === null || this.rttvarMs === null) return floorMs
    const rto = Math.ceil(this.srttMs + K * this.rttvarMs)
    return Math.min(ceilingMs, Math.max(floorMs, rto))
  }
}
