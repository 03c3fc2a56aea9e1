// Bounded waiting for tests: every wait has a deadline and says what it waited for.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Calls `probe` every `intervalMs` until it returns something other than
 * `undefined` (or stops throwing), and returns that. After `timeoutMs` it
 * rejects with `what` and the last value or error seen.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const { timeoutMs = 20_000, intervalMs = 200 } = options
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
      last = 'no value yet'
    } catch (err) {
      last = err
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : String(last)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`)
    }
    await sleep(intervalMs)
  }
}

/** `promise`, or a rejection naming `what` after `timeoutMs`. */
export async function within<T>(what: string, timeoutMs: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
          timeoutMs,
        )
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Something that changes (lines arriving, messages received) and a bounded
 * wait for a condition on it: `until` re-evaluates `check` on each `notify()`
 * and resolves with its first value other than `undefined`; a throw from
 * `check` rejects, and so does `timeoutMs` passing, naming `what`.
 */
export class ChangeSignal {
  private readonly listeners = new Set<() => void>()

  notify(): void {
    for (const f of [...this.listeners]) f()
  }

  until<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const settle = (done: () => void): void => {
        clearTimeout(timer)
        this.listeners.delete(evaluate)
        done()
      }
      const evaluate = (): void => {
        try {
          const value = check()
          if (value !== undefined) settle(() => resolve(value))
        } catch (err) {
          settle(() => reject(err))
        }
      }
      const timer = setTimeout(
        () =>
          settle(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))),
        timeoutMs,
      )
      this.listeners.add(evaluate)
      evaluate()
    })
  }
}
