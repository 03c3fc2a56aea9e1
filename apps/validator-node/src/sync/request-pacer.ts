/**
 * Keeps a catch-up's requests to one peer under the rate that peers allow
 * one requester by default (p2p's DEFAULT_INBOUND_LIMITS: a burst, then a
 * sustained rate per second). A peer refuses a request over its rate, and a
 * refused request ends the catch-up from that peer, so a catch-up of many
 * small batches must not outrun it. The same token bucket as the peer's,
 * holding half its burst: the peer's own bucket then never runs dry, even
 * when it is not full at the start (an earlier run with the same identity).
 */
import { setTimeout as sleepFor } from 'node:timers/promises'
import { DEFAULT_INBOUND_LIMITS } from '@paraloom/p2p'

export interface RequestPacerInit {
  /** Requests sent without waiting. @default half the peers' default burst */
  burst?: number
  /** Sustained requests per second. @default the peers' default rate */
  ratePerSecond?: number
  /** Milliseconds. @default Date.now */
  clock?: () => number
  /** Waits `ms`, or rejects when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export class RequestPacer {
  private readonly burst: number
  private readonly ratePerSecond: number
  private readonly clock: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>
  private tokens: number
  private updatedAtMs: number

  constructor(init: RequestPacerInit = {}) {
    this.burst = init.burst ?? Math.max(1, Math.floor(DEFAULT_INBOUND_LIMITS.burst / 2))
    this.ratePerSecond = init.ratePerSecond ?? DEFAULT_INBOUND_LIMITS.ratePerSecond
    this.clock = init.clock ?? Date.now
    this.sleep = init.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }))
    this.tokens = this.burst
    this.updatedAtMs = this.clock()
  }

  /** Resolves when the next request may go; takes its token. */
  async next(signal?: AbortSignal): Promise<void> {
    this.refill()
    if (this.tokens < 1) {
      await this.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond), signal)
      this.refill()
    }
    this.tokens = Math.max(0, this.tokens - 1)
  }

  private refill(): void {
    const now = this.clock()
    const earned = ((now - this.updatedAtMs) / 1000) * this.ratePerSecond
    this.tokens = Math.min(this.burst, this.tokens + earned)
    this.updatedAtMs = now
  }
}
