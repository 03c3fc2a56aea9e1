import { describe, expect, it } from '@jest/globals'
import {
  createPeerRegistry,
  LivenessError,
  type PeerRegistryInit,
  PeerState,
  type PeerTransition,
} from '../src/liveness/index.js'
import type { Labels } from '../src/metrics.js'

const A = 'peer-a'
const B = 'peer-b'

/** A registry on a fake clock that starts at 1000 ms and moves only when told. */
function setup(init: PeerRegistryInit = {}) {
  let now = 1000
  const registry = createPeerRegistry({
    slowRttMs: 100,
    offlineAfterMissed: 3,
    rttWindow: 3,
    ...init,
    clock: () => now,
  })
  const seen: PeerTransition[] = []
  registry.onTransition((t) => seen.push(t))
  registry.addPeer(A, 'validator-a')
  return {
    registry,
    seen,
    advance(ms: number) {
      now += ms
    },
  }
}

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(LivenessError)
    expect((err as LivenessError).name).toBe('LivenessError')
    return (err as LivenessError).kind
  }
  return undefined
}

describe('PeerRegistry: first outcome', () => {
  it('a new peer is UNKNOWN with no RTT and no misses', () => {
    const { registry } = setup()
    expect(registry.get(A)).toEqual({
      peer: A,
      validator: 'validator-a',
      state: PeerState.UNKNOWN,
      rttMs: null,
      smoothedRttMs: null,
      consecutiveMisses: 0,
      lastSeenAt: null,
      since: 1000,
    })
    expect(registry.sequence).toBe(0)
  })

  it('UNKNOWN → CONNECTED on a fast reply, with every transition field', () => {
    const { registry, seen, advance } = setup()
    advance(5)
    const t = registry.recordReply(A, 20)
    expect(t).toEqual({
      sequence: 1,
      peer: A,
      validator: 'validator-a',
      from: PeerState.UNKNOWN,
      to: PeerState.CONNECTED,
      at: 1005,
      rttMs: 20,
      consecutiveMisses: 0,
      lastSeenAt: 1005,
      reason: 'reply',
    })
    expect(seen).toEqual([t])
  })

  it('UNKNOWN → SLOW on a reply above slowRttMs', () => {
    const { registry } = setup()
    expect(registry.recordReply(A, 101)).toMatchObject({
      from: PeerState.UNKNOWN,
      to: PeerState.SLOW,
      reason: 'rtt-above-slow',
    })
  })

  it('a reply exactly at slowRttMs is CONNECTED (SLOW means above)', () => {
    const { registry } = setup()
    expect(registry.recordReply(A, 100)?.to).toBe(PeerState.CONNECTED)
  })

  it('UNKNOWN stays UNKNOWN for N-1 misses and goes OFFLINE on the N-th', () => {
    const { registry, seen } = setup()
    expect(registry.recordMiss(A, 'dial-failed')).toBeUndefined()
    expect(registry.recordMiss(A, 'dial-failed')).toBeUndefined()
    expect(registry.get(A)?.state).toBe(PeerState.UNKNOWN)
    expect(registry.recordMiss(A, 'dial-failed')).toMatchObject({
      from: PeerState.UNKNOWN,
      to: PeerState.OFFLINE,
      consecutiveMisses: 3,
      rttMs: null,
      lastSeenAt: null,
      reason: 'dial-failed',
    })
    expect(seen).toHaveLength(1)
  })
})

describe('PeerRegistry: misses and recovery', () => {
  it('CONNECTED → OFFLINE after exactly N misses, not N-1, reason of the N-th miss', () => {
    const { registry, seen, advance } = setup({ offlineAfterMissed: 4 })
    registry.recordReply(A, 10)
    for (let i = 1; i <= 3; i++) {
      advance(100)
      expect(registry.recordMiss(A, 'timeout')).toBeUndefined()
      expect(registry.get(A)).toMatchObject({ state: PeerState.CONNECTED, consecutiveMisses: i })
    }
    advance(100)
    const t = registry.recordMiss(A, 'ping-failed')
    expect(t).toMatchObject({
      sequence: 2,
      from: PeerState.CONNECTED,
      to: PeerState.OFFLINE,
      consecutiveMisses: 4,
      at: 1400,
      lastSeenAt: 1000,
      reason: 'ping-failed',
    })
    expect(seen).toHaveLength(2)
  })

  it('further misses while OFFLINE count up but emit nothing', () => {
    const { registry, seen } = setup()
    for (let i = 0; i < 10; i++) registry.recordMiss(A, 'timeout')
    expect(seen).toHaveLength(1)
    expect(registry.get(A)?.consecutiveMisses).toBe(10)
  })

  it('a reply resets the miss count, so N misses must be consecutive', () => {
    const { registry, seen } = setup()
    registry.recordReply(A, 10)
    registry.recordMiss(A, 'timeout')
    registry.recordMiss(A, 'timeout')
    registry.recordReply(A, 10)
    expect(registry.get(A)?.consecutiveMisses).toBe(0)
    registry.recordMiss(A, 'timeout')
    registry.recordMiss(A, 'timeout')
    expect(registry.get(A)?.state).toBe(PeerState.CONNECTED)
    expect(seen).toHaveLength(1)
  })

  it('OFFLINE → CONNECTED on one fast reply', () => {
    const { registry } = setup()
    for (let i = 0; i < 3; i++) registry.recordMiss(A, 'timeout')
    expect(registry.recordReply(A, 5)).toMatchObject({
      from: PeerState.OFFLINE,
      to: PeerState.CONNECTED,
      consecutiveMisses: 0,
      rttMs: 5,
      reason: 'reply',
    })
  })

  it('OFFLINE forgets the old RTT window: a returning peer is judged on fresh replies', () => {
    const { registry } = setup()
    registry.recordReply(A, 300)
    registry.recordReply(A, 300)
    for (let i = 0; i < 3; i++) registry.recordMiss(A, 'timeout')
    expect(registry.get(A)).toMatchObject({ rttMs: null, smoothedRttMs: null })
    expect(registry.recordReply(A, 10)).toMatchObject({
      from: PeerState.OFFLINE,
      to: PeerState.CONNECTED,
    })
  })

  it('OFFLINE → SLOW on a slow reply', () => {
    const { registry } = setup()
    for (let i = 0; i < 3; i++) registry.recordMiss(A, 'timeout')
    expect(registry.recordReply(A, 250)).toMatchObject({
      to: PeerState.SLOW,
      reason: 'rtt-above-slow',
    })
  })

  it('SLOW → OFFLINE after N misses', () => {
    const { registry } = setup()
    registry.recordReply(A, 500)
    registry.recordMiss(A, 'timeout')
    registry.recordMiss(A, 'timeout')
    expect(registry.recordMiss(A, 'timeout')).toMatchObject({
      from: PeerState.SLOW,
      to: PeerState.OFFLINE,
    })
  })
})

describe('PeerRegistry: smoothed RTT and hysteresis', () => {
  it('CONNECTED → SLOW only when the mean over the window goes above slowRttMs', () => {
    const { registry } = setup() // window 3, slow 100
    registry.recordReply(A, 10)
    registry.recordReply(A, 10)
    // mean (10 + 10 + 250) / 3 = 90: one spike does not make it SLOW
    expect(registry.recordReply(A, 250)).toBeUndefined()
    expect(registry.get(A)?.smoothedRttMs).toBe(90)
    // mean (10 + 250 + 250) / 3 = 170
    expect(registry.recordReply(A, 250)).toMatchObject({
      from: PeerState.CONNECTED,
      to: PeerState.SLOW,
      rttMs: 250,
      reason: 'rtt-above-slow',
    })
  })

  it('SLOW → CONNECTED only at or below slowRecoveryRttMs (default 80% of slowRttMs)', () => {
    const { registry, seen } = setup({ rttWindow: 1 })
    registry.recordReply(A, 150)
    expect(registry.get(A)?.state).toBe(PeerState.SLOW)
    // under the slow threshold but above the recovery threshold (80): stays SLOW
    expect(registry.recordReply(A, 95)).toBeUndefined()
    expect(registry.recordReply(A, 81)).toBeUndefined()
    expect(registry.recordReply(A, 80)).toMatchObject({
      from: PeerState.SLOW,
      to: PeerState.CONNECTED,
      reason: 'rtt-below-recovery',
    })
    expect(seen.map((t) => t.to)).toEqual([PeerState.SLOW, PeerState.CONNECTED])
  })

  it('an RTT hovering at the threshold does not flap', () => {
    const { registry, seen } = setup({ rttWindow: 1 })
    const rtts = [99, 101, 99, 101, 99, 101, 95, 101]
    for (const rtt of rtts) registry.recordReply(A, rtt)
    // CONNECTED at 99, SLOW at the first 101, then never back (nothing ≤ 80)
    expect(seen.map((t) => t.to)).toEqual([PeerState.CONNECTED, PeerState.SLOW])
  })

  it('slowRecoveryRttMs is configurable and may equal slowRttMs (no hysteresis)', () => {
    const { registry } = setup({ rttWindow: 1, slowRecoveryRttMs: 100 })
    registry.recordReply(A, 101)
    expect(registry.recordReply(A, 100)?.to).toBe(PeerState.CONNECTED)
  })
})

describe('PeerRegistry: sequence, snapshot and listeners', () => {
  it('one transition per change, sequences 1, 2, 3… across peers, snapshot carries the latest', () => {
    const { registry, seen, advance } = setup()
    registry.addPeer(B, 'validator-b')
    registry.recordReply(A, 10)
    registry.recordReply(A, 10) // no change
    advance(1)
    registry.recordReply(B, 500)
    for (let i = 0; i < 3; i++) registry.recordMiss(A, 'timeout')
    expect(seen.map((t) => [t.sequence, t.peer, t.to])).toEqual([
      [1, A, PeerState.CONNECTED],
      [2, B, PeerState.SLOW],
      [3, A, PeerState.OFFLINE],
    ])
    const snap = registry.snapshot()
    expect(snap.sequence).toBe(3)
    expect(snap.peers.map((p) => [p.peer, p.state, p.since])).toEqual([
      [A, PeerState.OFFLINE, 1001],
      [B, PeerState.SLOW, 1001],
    ])
  })

  it('a removed peer leaves the snapshot without a transition, and the sequence is not reused', () => {
    const { registry, seen } = setup()
    registry.recordReply(A, 10)
    expect(registry.removePeer(A)).toBe(true)
    expect(registry.removePeer(A)).toBe(false)
    expect(registry.snapshot()).toEqual({ sequence: 1, peers: [] })
    registry.addPeer(A, 'validator-a')
    expect(registry.get(A)?.state).toBe(PeerState.UNKNOWN)
    expect(registry.recordReply(A, 10)?.sequence).toBe(2)
    expect(seen).toHaveLength(2)
  })

  it('adding a known peer again changes nothing', () => {
    const { registry } = setup()
    registry.recordReply(A, 10)
    expect(registry.addPeer(A, 'validator-a')).toBe(false)
    expect(registry.get(A)?.state).toBe(PeerState.CONNECTED)
  })

  it('unsubscribe stops delivery; a throwing listener disturbs neither the registry nor others', () => {
    const { registry } = setup()
    const got: number[] = []
    registry.onTransition(() => {
      throw new Error('faulty subscriber')
    })
    const off = registry.onTransition((t) => got.push(t.sequence))
    registry.recordReply(A, 10)
    off()
    registry.recordReply(A, 500)
    registry.recordReply(A, 500)
    expect(got).toEqual([1])
    expect(registry.sequence).toBe(2)
  })

  it('records metrics: peers by state, transitions by from/to, every RTT', () => {
    const gauge = new Map<string, number>()
    const counted: Labels[] = []
    const rtts: number[] = []
    const { registry } = setup({
      metrics: {
        peersByState: { set: (l, v) => gauge.set(l.state ?? '', v) },
        transitions: { inc: (l) => counted.push(l) },
        pingRttMs: { observe: (_l, v) => rtts.push(v) },
      },
    })
    registry.addPeer(B, 'validator-b')
    expect(Object.fromEntries(gauge)).toEqual({ UNKNOWN: 2, CONNECTED: 0, SLOW: 0, OFFLINE: 0 })
    registry.recordReply(A, 12)
    registry.recordReply(A, 14)
    for (let i = 0; i < 3; i++) registry.recordMiss(B, 'timeout')
    expect(Object.fromEntries(gauge)).toEqual({ UNKNOWN: 0, CONNECTED: 1, SLOW: 0, OFFLINE: 1 })
    registry.removePeer(B)
    expect(gauge.get('OFFLINE')).toBe(0)
    expect(counted).toEqual([
      { from: 'UNKNOWN', to: 'CONNECTED' },
      { from: 'UNKNOWN', to: 'OFFLINE' },
    ])
    expect(rtts).toEqual([12, 14])
  })
})

describe('PeerRegistry: bounded history', () => {
  function fill(capacity: number, transitions: number) {
    const { registry } = setup({ historyCapacity: capacity, rttWindow: 1, slowRecoveryRttMs: 100 })
    // alternate 10 / 500 ms: every reply after the first flips CONNECTED ↔ SLOW
    for (let i = 0; i < transitions; i++) registry.recordReply(A, i % 2 === 0 ? 10 : 500)
    expect(registry.sequence).toBe(transitions)
    return registry
  }

  it('replays everything after a sequence while it is held', () => {
    const registry = fill(10, 4)
    const all = registry.historySince(0)
    expect(all.gap).toBe(false)
    expect(all.gap === false && all.transitions.map((t) => t.sequence)).toEqual([1, 2, 3, 4])
    const tail = registry.historySince(2)
    expect(tail.gap === false && tail.transitions.map((t) => t.sequence)).toEqual([3, 4])
    expect(registry.historySince(4)).toEqual({ gap: false, transitions: [] })
  })

  it('an empty history replays nothing from 0', () => {
    const { registry } = setup()
    expect(registry.historySince(0)).toEqual({ gap: false, transitions: [] })
  })

  it('evicts the oldest at capacity and reports the gap explicitly', () => {
    const registry = fill(3, 5) // holds 3, 4, 5
    expect(registry.historySince(1)).toEqual({
      gap: true,
      reason: 'evicted',
      oldestAvailable: 3,
      latest: 5,
    })
    expect(registry.historySince(0)).toMatchObject({ gap: true, reason: 'evicted' })
    // resuming right before the oldest held is still complete
    const edge = registry.historySince(2)
    expect(edge.gap === false && edge.transitions.map((t) => t.sequence)).toEqual([3, 4, 5])
  })

  it('a sequence beyond the newest (a previous run of the node) is a gap, not silence', () => {
    const registry = fill(3, 2)
    expect(registry.historySince(7)).toEqual({
      gap: true,
      reason: 'ahead',
      oldestAvailable: 1,
      latest: 2,
    })
  })

  it('rejects a negative or fractional sequence', () => {
    const registry = fill(3, 1)
    expect(kindOf(() => registry.historySince(-1))).toBe('invalid-argument')
    expect(kindOf(() => registry.historySince(1.5))).toBe('invalid-argument')
    expect(kindOf(() => registry.historySince(Number.NaN))).toBe('invalid-argument')
  })
})

describe('PeerRegistry: caps and bad input', () => {
  it('tracks up to maxPeers and refuses one more with registry-full', () => {
    const { registry } = setup({ maxPeers: 2 })
    expect(registry.addPeer(B, 'validator-b')).toBe(true)
    expect(kindOf(() => registry.addPeer('peer-c', 'validator-c'))).toBe('registry-full')
    expect(registry.snapshot().peers).toHaveLength(2)
    registry.removePeer(B)
    expect(registry.addPeer('peer-c', 'validator-c')).toBe(true)
  })

  it('accepts maxListeners listeners and refuses one more', () => {
    let now = 0
    const registry = createPeerRegistry({ maxListeners: 2, clock: () => now++ })
    registry.onTransition(() => {})
    const off = registry.onTransition(() => {})
    expect(kindOf(() => registry.onTransition(() => {}))).toBe('too-many-listeners')
    off()
    expect(() => registry.onTransition(() => {})).not.toThrow()
  })

  it('rejects outcomes for unknown peers and impossible RTTs', () => {
    const { registry } = setup()
    expect(kindOf(() => registry.recordReply('nobody', 1))).toBe('unknown-peer')
    expect(kindOf(() => registry.recordMiss('nobody', 'timeout'))).toBe('unknown-peer')
    for (const rtt of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(kindOf(() => registry.recordReply(A, rtt))).toBe('invalid-argument')
    }
    expect(kindOf(() => registry.addPeer('', 'v'))).toBe('invalid-argument')
    expect(kindOf(() => registry.addPeer('p', ''))).toBe('invalid-argument')
    expect(registry.get(A)?.state).toBe(PeerState.UNKNOWN)
  })

  it.each([
    [{ slowRttMs: 0 }, 'slowRttMs'],
    [{ slowRttMs: 1.5 }, 'slowRttMs'],
    [{ slowRttMs: 100, slowRecoveryRttMs: 101 }, 'slowRecoveryRttMs'],
    [{ offlineAfterMissed: 0 }, 'offlineAfterMissed'],
    [{ rttWindow: 0 }, 'rttWindow'],
    [{ rttWindow: 65 }, 'rttWindow'],
    [{ historyCapacity: 0 }, 'historyCapacity'],
    [{ maxPeers: -1 }, 'maxPeers'],
    [{ maxListeners: Number.NaN }, 'maxListeners'],
  ] as Array<[PeerRegistryInit, string]>)('refuses %j naming %s', (init, field) => {
    expect(() => createPeerRegistry(init)).toThrow(field)
    expect(kindOf(() => createPeerRegistry(init))).toBe('invalid-config')
  })

  it('accepts the boundary values', () => {
    expect(() =>
      createPeerRegistry({ slowRttMs: 1, slowRecoveryRttMs: 1, rttWindow: 64, historyCapacity: 1 }),
    ).not.toThrow()
  })
})
