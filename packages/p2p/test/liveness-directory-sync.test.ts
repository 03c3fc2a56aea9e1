// Liveness follows the validator directory: every validator but this node,
// refreshed on every change, until the sync is stopped. Stubs only.
import { describe, expect, it } from '@jest/globals'
import { type LivenessPeer, StaticDirectory, seedPeer } from '../src/index.js'
import { syncLivenessWithDirectory } from '../src/liveness/directory-sync.js'
import { stubLogger } from './helpers/stubs.js'

const key = (byte: number): Uint8Array => new Uint8Array(32).fill(byte)
const [self, a, b] = [seedPeer(key(1), []), seedPeer(key(2), []), seedPeer(key(3), [])]

function setup(setPeers: (peers: readonly LivenessPeer[]) => void = () => {}) {
  const directory = new StaticDirectory([self!, a!])
  const calls: string[][] = []
  const log = stubLogger()
  const errors = log.errors
  const liveness = {
    setPeers(peers: readonly LivenessPeer[]) {
      calls.push(peers.map((p) => p.identity))
      setPeers(peers)
    },
  }
  const stop = syncLivenessWithDirectory({ directory, liveness, log }, self!.identity)
  return { directory, calls, errors, stop }
}

describe('syncLivenessWithDirectory', () => {
  it('watches every validator but this node, at once and after each change', () => {
    const s = setup()
    expect(s.calls).toEqual([[a!.identity]])
    s.directory.add(b!)
    s.directory.remove(a!.publicKey)
    expect(s.calls).toEqual([[a!.identity], [a!.identity, b!.identity], [b!.identity]])
  })

  it('follows no change once stopped', () => {
    const s = setup()
    s.stop()
    s.directory.add(b!)
    expect(s.calls).toHaveLength(1)
  })

  it('leaves out a seed whose identity is not a key', () => {
    const s = setup()
    s.directory.add({ ...b!, identity: 'not-base58-0OIl' })
    expect(s.calls.at(-1)).toEqual([a!.identity])
  })

  it('logs a validator set liveness refuses, and keeps following', () => {
    let refuse = true
    const s = setup(() => {
      if (refuse) throw new Error('too many peers')
    })
    expect(s.errors).toEqual(['liveness cannot watch the validator set {"error":"too many peers"}'])
    refuse = false
    s.directory.add(b!)
    expect(s.calls.at(-1)).toEqual([a!.identity, b!.identity])
    expect(s.errors).toHaveLength(1)
  })
})
