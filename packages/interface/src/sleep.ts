/**
 * Resolves after `ms`, or at once when `signal` aborts; never rejects, so a
 * loop that waits between tries checks its signal after the wait instead of
 * catching. The timer is released either way.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
