import { describe, expect, it } from '@jest/globals'
import { isPeerState, PEER_STATES, PeerState } from '../src/index.js'

describe('peer states', () => {
  it('lists every state once, in a fixed order', () => {
    expect(PEER_STATES).toEqual(['UNKNOWN', 'CONNECTED', 'SLOW', 'OFFLINE'])
    for (const [key, value] of Object.entries(PeerState)) expect(key).toBe(value)
  })

  it('accepts every state name and nothing else', () => {
    for (const state of PEER_STATES) expect(isPeerState(state)).toBe(true)
    for (const value of ['connected', '', 'OFFLINE ', 'toString', '__proto__', 2, null, {}]) {
      expect(isPeerState(value)).toBe(false)
    }
  })
})
