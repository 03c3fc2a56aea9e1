import { describe, expect, it } from '@jest/globals'
import { DEFAULT_INBOUND_LIMITS } from '@paraloom/p2p'
import { RequestPacer } from '../../src/sync/request-pacer.js'

/** A pacer on a fake clock whose sleeps advance the clock and are recorded. */
function paced(init: { burst?: number; ratePerSecond?: number } = {}) {
  let now = 1_000_000
  const sleeps: number[] = []
  const pacer = new RequestPacer({
    ...init,
    clock: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
  })
  const advance = (ms: number): void => {
    now += ms
  }
  return { pacer, sleeps, advance }
}

describe('RequestPacer', () => {
  it('lets a burst go at once, then one request per 1/rate seconds', async () => {
    const { pacer, sleeps } = paced({ burst: 3, ratePerSecond: 10 })
    for (let i = 0; i < 3; i++) await pacer.next()
    expect(sleeps).toEqual([])
    for (let i = 0; i < 4; i++) await pacer.next()
    expect(sleeps).toEqual([100, 100, 100, 100])
  })

  it('refills while idle, up to the burst and no further', async () => {
    const { pacer, sleeps, advance } = paced({ burst: 2, ratePerSecond: 10 })
    await pacer.next()
    await pacer.next()
    advance(60_000)
    for (let i = 0; i < 3; i++) await pacer.next()
    expect(sleeps).toEqual([100])
  })

  it('by default stays at half the burst and the rate that peers allow one requester', async () => {
    const { pacer, sleeps } = paced()
    const requests = 100
    for (let i = 0; i < requests; i++) await pacer.next()
    const burst = Math.floor(DEFAULT_INBOUND_LIMITS.burst / 2)
    const elapsedMs = sleeps.reduce((a, b) => a + b, 0)
    expect(sleeps.length).toBe(requests - burst)
    // What a peer's bucket (full burst, same rate) would have refilled by then covers every request.
    const allowed =
      DEFAULT_INBOUND_LIMITS.burst + (elapsedMs / 1000) * DEFAULT_INBOUND_LIMITS.ratePerSecond
    expect(requests).toBeLessThanOrEqual(allowed - burst)
  })

  it('stops waiting when the signal aborts', async () => {
    const pacer = new RequestPacer({ burst: 1, ratePerSecond: 0.001 })
    await pacer.next()
    const controller = new AbortController()
    const waiting = pacer.next(controller.signal)
    controller.abort(new Error('stopping'))
    await expect(waiting).rejects.toThrow()
  })
})
