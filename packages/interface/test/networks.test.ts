import { describe, expect, it } from '@jest/globals'
import { isNetworkName, NETWORKS } from '../src/index.js'

describe('networks', () => {
  it('accepts every network name and nothing else', () => {
    for (const name of NETWORKS) expect(isNetworkName(name)).toBe(true)
    for (const value of ['Devnet', '', 'devnet ', 1, null, undefined]) {
      expect(isNetworkName(value)).toBe(false)
    }
  })
})
