/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across
 * the processes of one machine (each process's timeOrigin is taken from the
 * same system clock), for latencies measured from one process to another.
 */
export function nowMs() {
  return performance.timeOrigin + performance.now()
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `predicate` every `everyMs` until it is truthy; throws after `timeoutMs` naming `what`. */
export async function waitUntil(what, predicate, { timeoutMs, everyMs = 50 }) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await predicate()
    if (value) return value
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}
