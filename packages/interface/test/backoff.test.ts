import { describe, expect, it } from '@jest/globals'
import { backoffDelayMs, sleep } from '../src/index.js'

describe('backoffDelayMs', () => {
  it('doubles from initialMs up to maxMs, exactly without a random source', () => {
    const options = { initialMs: 100, maxMs: 1000 }
    const delays = [0, 1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, options))
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000])
  })

  it('stays finite and capped for any attempt count', () => {
    for (const attempt of [31, 1000, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY]) {
      expect(backoffDelayMs(attempt, { initialMs: 1, maxMs: 60_000 })).toBe(60_000)
    }
    expect(backoffDelayMs(5, { initialMs: 0, maxMs: 1000 })).toBe(0)
  })

  it('spreads the wait over [d/2, d] with a random source', () => {
    const options = (r: number) => ({ initialMs: 100, maxMs: 1000, random: () => r })
    expect(backoffDelayMs(2, options(0))).toBe(200)
    expect(backoffDelayMs(2, options(0.5))).toBe(300)
    expect(backoffDelayMs(2, options(0.999999))).toBe(400)
    expect(backoffDelayMs(10, options(0))).toBe(500)
    for (let i = 0; i < 200; i++) {
      const d = backoffDelayMs(3, { initialMs: 100, maxMs: 1000, random: Math.random })
      expect(d).toBeGreaterThanOrEqual(400)
      expect(d).toBeLessThanOrEqual(800)
    }
  })
})

describe('sleep', () => {
  it('resolves after the wait', async () => {
    const started = Date.now()
    await sleep(20)
    expect(Date.now() - started).toBeGreaterThanOrEqual(15)
  })

  it('resolves at once when the signal aborts, and does not reject', async () => {
    const controller = new AbortController()
    const waiting = sleep(3_600_000, controller.signal)
    controller.abort(new Error('stop'))
    await expect(waiting).resolves.toBeUndefined()
    await expect(sleep(3_600_000, AbortSignal.abort())).resolves.toBeUndefined()
  })
})
