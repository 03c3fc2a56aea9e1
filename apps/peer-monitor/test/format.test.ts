import { describe, expect, it } from '@jest/globals'
import { humanDuration } from '../src/format.js'

describe('humanDuration', () => {
  it.each([
    [0, 'just now'],
    [999, 'just now'],
    [-5, 'just now'],
    [Number.NaN, 'just now'],
    [1000, '1 second'],
    [59_999, '59 seconds'],
    [60_000, '1 minute'],
    [3 * 60_000 + 59_000, '3 minutes'],
    [2 * 3_600_000, '2 hours'],
    [86_400_000, '1 day'],
    [10 * 86_400_000, '10 days'],
  ])('%d ms is "%s"', (ms, words) => {
    expect(humanDuration(ms)).toBe(words)
  })
})
