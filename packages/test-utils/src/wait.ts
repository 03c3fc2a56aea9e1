// Bounded waiting for tests: every wait has a deadline and says what it
// waited for. A deadline bounds a hang; it is not a speed check (CI runs
// every package's tests on one busy machine), so the defaults are generous.

/** How long a wait may last, and how often a poll asks. */
export interface WaitOptions {
  /** @default 30_000 */
  timeoutMs?: number
  /** Between two polls. @default 25 (`eventually`: 200, its probes are calls to a server) */
  intervalMs?: number
}

/** What a poll returns: `undefined`, `null` or `false` mean "not yet". */
export type Probe<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>

const DEFAULT_TIMEOUT_MS = 30_000

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Calls `probe` every `intervalMs` until it returns a value (anything but
 * `undefined`, `null` or `false`) and resolves with it. A throw from `probe`
 * rejects at once. After `timeoutMs` it rejects naming `what`.
 * `options` may be the timeout alone.
 */
export function waitFor<T>(
  what: string,
  probe: Probe<T>,
  options: WaitOptions | number = {},
): Promise<T> {
  return poll(what, probe, options, { intervalMs: 25, throwMeansNotYet: false })
}

/**
 * `waitFor` for a probe that throws while the thing is not up yet (a server
 * still starting, a call refused): a throw counts as "not yet", and the last
 * one is quoted when the wait times out.
 */
export function eventually<T>(
  what: string,
  probe: Probe<T>,
  options: WaitOptions | number = {},
): Promise<T> {
  return poll(what, probe, options, { intervalMs: 200, throwMeansNotYet: true })
}

async function poll<T>(
  what: string,
  probe: Probe<T>,
  options: WaitOptions | number,
  defaults: { intervalMs: number; throwMeansNotYet: boolean },
): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = defaults.intervalMs } =
    typeof options === 'number' ? { timeoutMs: options } : options
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined && value !== null && value !== false) return value
      lastError = undefined
    } catch (err) {
      if (!defaults.throwMeansNotYet) throw err
      lastError = err
    }
    if (Date.now() >= deadline) {
      const last =
        lastError === undefined
          ? ''
          : ` (last: ${lastError instanceof Error ? lastError.message : String(lastError)})`
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`)
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
