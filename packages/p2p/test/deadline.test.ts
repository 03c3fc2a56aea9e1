// deadlineSignal at its boundaries: aborts at the deadline with a TimeoutError,
// follows its parent (already aborted or aborting later), and clear() stops both.
import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { deadlineSignal } from '../src/deadline.js'

describe('deadlineSignal', () => {
  afterEach(() => {
    jest.useRealTimers()
  })

  it('aborts exactly when the deadline passes, with a TimeoutError', () => {
    jest.useFakeTimers()
    const { signal } = deadlineSignal(100)
    jest.advanceTimersByTime(99)
    expect(signal.aborted).toBe(false)
    jest.advanceTimersByTime(1)
    expect(signal.aborted).toBe(true)
    expect((signal.reason as Error).name).toBe('TimeoutError')
  })

  it('follows a parent that aborts first, with its reason', () => {
    jest.useFakeTimers()
    const parent = new AbortController()
    const { signal } = deadlineSignal(100, parent.signal)
    parent.abort(new Error('stopping'))
    expect(signal.aborted).toBe(true)
    expect((signal.reason as Error).message).toBe('stopping')
  })

  it('is aborted at once when the parent already is', () => {
    const parent = new AbortController()
    parent.abort(new Error('gone'))
    const deadline = deadlineSignal(100, parent.signal)
    expect(deadline.signal.aborted).toBe(true)
    deadline.clear()
  })

  it('after clear(), neither the deadline nor the parent aborts it', () => {
    jest.useFakeTimers()
    const parent = new AbortController()
    const deadline = deadlineSignal(100, parent.signal)
    deadline.clear()
    jest.advanceTimersByTime(1000)
    parent.abort()
    expect(deadline.signal.aborted).toBe(false)
  })
})
