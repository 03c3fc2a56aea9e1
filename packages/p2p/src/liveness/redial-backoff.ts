import { backoffDelayMs } from '@paraloom/interface'
import { checkIntegerOption } from './errors.js'

/** Redial backoff of a disconnected peer. */
export interface RedialBackoffInit {
  /**
   * Wait after the first failed dial before dialling again, in milliseconds;
   * it doubles with each further failure.
   *
   * @default 1000
   */
  initialMs?: number
  /**
   * The longest wait between dials, in milliseconds.
   *
   * @default 60000
   */
  maxMs?: number
}

/**
 * Per-peer exponential redial backoff: after k consecutive failed dials the
 * next dial waits `min(maxMs, initialMs * 2^(k-1))` (`backoffDelayMs`, no jitter). Pure; the caller passes
 * the time. Holds one entry per peer whose last dial failed.
 */
export class RedialBackoff {
  private readonly initialMs: number
  private readonly maxMs: number
  private readonly failures = new Map<string, { count: number; nextDialAt: number }>()

  constructor(init: RedialBackoffInit = {}) {
    this.initialMs = checkIntegerOption('redialBackoff.initialMs', init.initialMs ?? 1000, 0)
    this.maxMs = checkIntegerOption('redialBackoff.maxMs', init.maxMs ?? 60_000, this.initialMs)
  }

  /** May this peer be dialled at `now`? */
  canDial(peer: string, now: number): boolean {
    const entry = this.failures.get(peer)
    return entry === undefined || now >= entry.nextDialAt
  }

  /** A dial to this peer failed at `now`. */
  failed(peer: string, now: number): void {
    const count = (this.failures.get(peer)?.count ?? 0) + 1
    const waitMs = backoffDelayMs(count - 1, { initialMs: this.initialMs, maxMs: this.maxMs })
    this.failures.set(peer, { count, nextDialAt: now + waitMs })
  }

  /** The peer is reachable again, or no longer tracked: forget its failures. */
  reset(peer: string): void {
    this.failures.delete(peer)
  }
}
