/**
 * Inbound admission for one request/response protocol: a cap on concurrent
 * streams for the protocol, a cap per peer, and a per-peer token bucket
 * (network.md: "inbound streams per protocol and per peer are limited, and a
 * peer over its rate is refused"). Pure: the clock is injected.
 */

export interface InboundLimits {
  /** Concurrent inbound streams on this protocol, all peers together. @default 64 */
  maxConcurrent?: number
  /** Concurrent inbound streams on this protocol from one peer. @default 4 */
  maxConcurrentPerPeer?: number
  /** Sustained requests per second one peer may make. @default 10 */
  ratePerSecond?: number
  /** Requests one peer may make in a burst above the sustained rate. @default 20 */
  burst?: number
  /** Peers whose buckets are tracked at once; the oldest is forgotten beyond this. @default 4096 */
  maxTrackedPeers?: number
}

export const DEFAULT_INBOUND_LIMITS: Required<InboundLimits> = {
  maxConcurrent: 64,
  maxConcurrentPerPeer: 4,
  ratePerSecond: 10,
  burst: 20,
  maxTrackedPeers: 4096,
}

export type AdmitResult = 'ok' | 'protocol-busy' | 'peer-busy' | 'rate-limited'

interface Bucket {
  tokens: number
  updatedAtMs: number
  active: number
}

export class InboundLimiter {
  private readonly limits: Required<InboundLimits>
  private readonly buckets = new Map<string, Bucket>()
  private active = 0

  constructor(
    limits: InboundLimits = {},
    private readonly nowMs: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_INBOUND_LIMITS, ...limits }
  }

  /** Takes a slot for `peer`; call `release(peer)` when the exchange ends if the result was 'ok'. */
  admit(peer: string): AdmitResult {
    if (this.active >= this.limits.maxConcurrent) return 'protocol-busy'
    const bucket = this.bucket(peer)
    if (bucket.active >= this.limits.maxConcurrentPerPeer) return 'peer-busy'
    if (bucket.tokens < 1) return 'rate-limited'
    bucket.tokens -= 1
    bucket.active += 1
    this.active += 1
    return 'ok'
  }

  release(peer: string): void {
    const bucket = this.buckets.get(peer)
    if (bucket == null || bucket.active === 0) return
    bucket.active -= 1
    this.active -= 1
  }

  private bucket(peer: string): Bucket {
    const now = this.nowMs()
    let bucket = this.buckets.get(peer)
    if (bucket == null) {
      this.forgetOldest()
      bucket = { tokens: this.limits.burst, updatedAtMs: now, active: 0 }
    } else {
      const refill = ((now - bucket.updatedAtMs) / 1000) * this.limits.ratePerSecond
      bucket.tokens = Math.min(this.limits.burst, bucket.tokens + refill)
      bucket.updatedAtMs = now
      this.buckets.delete(peer)
    }
    // Re-inserting keeps the map in least-recently-used order.
    this.buckets.set(peer, bucket)
    return bucket
  }

  private forgetOldest(): void {
    if (this.buckets.size < this.limits.maxTrackedPeers) return
    for (const [peer, bucket] of this.buckets) {
      if (bucket.active === 0) {
        this.buckets.delete(peer)
        return
      }
    }
  }
}
