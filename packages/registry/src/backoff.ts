/** Capped exponential backoff with jitter (half fixed, half random). */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  initialMs: number
  /** Upper bound of any delay, in ms. */
  maxMs: number
}

/** The delay before retry number `attempt` (0-based): random in [d/2, d], d = min(max, initial·2^attempt). */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
