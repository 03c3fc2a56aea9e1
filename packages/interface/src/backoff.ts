/** Capped exponential backoff: the wait before each retry of something that keeps failing. */
export interface BackoffOptions {
  /** The wait before the first retry, in ms; it doubles with each further failure. */
  initialMs: number
  /** The longest wait, in ms. */
  maxMs: number
  /**
   * With a source of random numbers in [0, 1), the wait is spread over
   * [d/2, d] so that clients that failed together do not retry together;
   * without one, it is exactly d.
   */
  random?: () => number
}

/**
 * The wait before retry number `attempt` (0 for the first retry):
 * d = min(maxMs, initialMs · 2^attempt), jittered into [d/2, d] when
 * `options.random` is given.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions): number {
  // 2^30 already dwarfs any sane maxMs; capping the exponent keeps the product finite.
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30))
  if (options.random === undefined) return ceiling
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2)
}
