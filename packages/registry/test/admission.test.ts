import { describe, expect, it } from '@jest/globals'
import type { SeedPeer } from '@paraloom/interface'
import { AdmissionSet } from '../src/admission.js'
import { WarningDeduper } from '../src/warnings.js'
import { randomKey } from './fixtures.js'

function peer(stake = 1n): SeedPeer {
  const publicKey = randomKey()
  return {
    identity: 'x',
    publicKey,
    peerId: 'p',
    multiaddrs: ['/ip4/1.2.3.4/tcp/1'],
    stake,
    reputation: 0n,
  }
}

describe('AdmissionSet', () => {
  it('answers membership by key and reports added, updated and removed', () => {
    const set = new AdmissionSet()
    const [a, b] = [peer(), peer()]
    expect(set.replace([a, b])).toEqual({ added: [a, b], removed: [], updated: [] })
    expect(set.has(new Uint8Array(a.publicKey))).toBe(true)
    expect(set.has(randomKey())).toBe(false)
    expect(set.has(a.publicKey.subarray(0, 31))).toBe(false)
    const a2 = { ...a, stake: 9n }
    expect(set.replace([a2])).toEqual({ added: [], removed: [b], updated: [a2] })
    expect(set.replace([a2])).toEqual({ added: [], removed: [], updated: [] })
    expect(set.seeds()).toEqual([a2])
  })
})

describe('WarningDeduper', () => {
  it('passes a warning once while it recurs, again when its reason changes or it comes back', () => {
    const d = new WarningDeduper()
    const w = { address: 'A', reason: 'inactive' }
    expect(d.fresh([w, w])).toEqual([w])
    expect(d.fresh([w])).toEqual([])
    const changed = { address: 'A', reason: 'under-staked' }
    expect(d.fresh([changed])).toEqual([changed])
    expect(d.fresh([])).toEqual([])
    expect(d.fresh([changed])).toEqual([changed])
  })
})
