import { describe, expect, it } from '@jest/globals'
import { ChangeSignal, eventually, waitFor, within } from '../src/index.js'

describe('waitFor', () => {
  it('resolves with the first value, skipping undefined, null and false', async () => {
    const answers = [undefined, null, false, 0, 1]
    expect(await waitFor('a value', () => answers.shift(), { intervalMs: 1 })).toBe(0)
  })

  it('names what it waited for when the time is up', async () => {
    await expect(
      waitFor('the moon', () => false, { timeoutMs: 20, intervalMs: 5 }),
    ).rejects.toThrow('timed out after 20 ms waiting for the moon')
  })

  it('takes the timeout alone, and rejects at once when the probe throws', async () => {
    await expect(waitFor('x', () => undefined, 10)).rejects.toThrow(/after 10 ms/)
    let calls = 0
    const failing = () => {
      calls++
      throw new Error('broken probe')
    }
    await expect(waitFor('x', failing, 1000)).rejects.toThrow('broken probe')
    expect(calls).toBe(1)
  })
})

describe('eventually', () => {
  it('counts a throw as "not yet"', async () => {
    let calls = 0
    const value = await eventually(
      'the third call',
      async () => {
        if (++calls < 3) throw new Error('refused')
        return calls
      },
      { intervalMs: 1 },
    )
    expect(value).toBe(3)
  })

  it('quotes the last error when the time is up', async () => {
    const failing = () => {
      throw new Error('connection refused')
    }
    await expect(eventually('a server', failing, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      /waiting for a server \(last: connection refused\)/,
    )
  })
})

describe('within and ChangeSignal', () => {
  it('within: the promise, or a rejection naming what after the time', async () => {
    expect(await within('a', 1000, Promise.resolve(7))).toBe(7)
    await expect(within('b', 10, new Promise(() => {}))).rejects.toThrow(
      'timed out after 10 ms waiting for b',
    )
  })

  it('until: re-checks on each notify, rejects on a throw or the time', async () => {
    const signal = new ChangeSignal()
    const seen: number[] = []
    const third = signal.until('three', () => (seen.length >= 3 ? seen.length : undefined), 1000)
    for (let i = 0; i < 3; i++) {
      seen.push(i)
      signal.notify()
    }
    expect(await third).toBe(3)
    const failing = () => {
      throw new Error('exited')
    }
    await expect(signal.until('x', failing, 1000)).rejects.toThrow('exited')
    await expect(signal.until('y', () => undefined, 10)).rejects.toThrow(/waiting for y/)
  })
})
