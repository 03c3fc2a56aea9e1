import { expect, it } from '@jest/globals'
import { duration } from '../src/index.js'

it.each([
  [-1, '-'],
  [Number.NaN, '-'],
  [350, '350ms'],
  [4200, '4.2s'],
  [192_000, '3m12s'],
  [3_720_000, '1h02m'],
  [3 * 86_400_000, '3d00h'],
])('duration(%d) is %s', (ms, text) => {
  expect(duration(ms)).toBe(text)
})
