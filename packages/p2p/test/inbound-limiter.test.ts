import { describe, expect, it } from '@jest/globals'
import { InboundLimiter } from '../src/reqresp/inbound-limiter.js'

describe('InboundLimiter', () => {
  it('refuses a peer over its burst, then refills at the sustained rate', () => {
    let now = 0
    const limiter = new InboundLimiter(
      { burst: 3, ratePerSecond: 2, maxConcurrentPerPeer: 100 },
      () => now,
    )
    for (let i = 0; i < 3; i++) {
      expect(limiter.admit('a')).toBe('ok')
      limiter.release('a')
    }
    expect(limiter.admit('a')).toBe('rate-limited')
    expect(limiter.admit('b')).toBe('ok')
    now += 499
    expect(limiter.admit('a')).toBe('rate-limited')
    now += 1
    expect(limiter.admit('a')).toBe('ok')
  })

  it('caps concurrent streams per peer and per protocol', () => {
    const limiter = new InboundLimiter(
      { maxConcurrent: 3, maxConcurrentPerPeer: 2, burst: 100 },
      () => 0,
    )
    expect(limiter.admit('a')).toBe('ok')
    expect(limiter.admit('a')).toBe('ok')
    expect(limiter.admit('a')).toBe('peer-busy')
    expect(limiter.admit('b')).toBe('ok')
    expect(limiter.admit('c')).toBe('protocol-busy')
    limiter.release('a')
    expect(limiter.admit('c')).toBe('ok')
  })

  it('tracks at most maxTrackedPeers idle peers', () => {
    let now = 0
    const limiter = new InboundLimiter(
      { maxTrackedPeers: 2, burst: 1, ratePerSecond: 0.001 },
      () => now,
    )
    expect(limiter.admit('a')).toBe('ok')
    limiter.release('a')
    expect(limiter.admit('a')).toBe('rate-limited')
    limiter.admit('b')
    limiter.release('b')
    limiter.admit('c') // forgets 'a', the least recently used idle peer
    limiter.release('c')
    now += 1
    expect(limiter.admit('a')).toBe('ok')
  })
})
