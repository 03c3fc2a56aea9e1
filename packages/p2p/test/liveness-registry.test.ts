import { describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/interface'
import {
  createPeerRegistry,
  LivenessError,
  type PeerRegistryInit,
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
    slowConfirmReplies: 3,
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

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(LivenessError)
    expect((err as LivenessError).name).toBe('LivenessError')
    return (err as LivenessError).code
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
      rttVarianceMs: null,
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
    expect(registry.get(A)).toMatchObject({
      rttMs: null,
      smoothedRttMs: null,
      rttVarianceMs: null,
    })
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

/** Deterministic uniform numbers in [0, 1): mulberry32. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * RTTs of a home link through 200 ± 100 ms of jitter each way (uniform),
 * plus `extraMs` of processing: mean 400 + extraMs, spread 200–600.
 */
function jitteryRtts(seed: number, count: number, extraMs = 30): number[] {
  const next = prng(seed)
  return Array.from({ length: count }, () => 100 + 200 * next() + 100 + 200 * next() + extraMs)
}

/** The most state changes within any `span` consecutive replies. */
function maxChangesWithin(changeIndexes: number[], span: number): number {
  let most = 0
  for (const start of changeIndexes) {
    most = Math.max(most, changeIndexes.filter((i) => i >= start && i < start + span).length)
  }
  return most
}

/** Feeds `rtts` one per second; the index of each reply that changed the state. */
function feed(
  init: PeerRegistryInit,
  rtts: number[],
): { changes: number[]; registry: ReturnType<typeof setup>['registry'] } {
  const { registry, advance } = setup(init)
  const changes: number[] = []
  rtts.forEach((rtt, i) => {
    advance(1000)
    const t = registry.recordReply(A, rtt)
    if (t !== undefined && t.from !== PeerState.UNKNOWN) changes.push(i)
  })
  return { changes, registry }
}

describe('PeerRegistry: smoothed RTT (RFC 6298) and hysteresis', () => {
  it('the smoothed RTT and its variation follow RFC 6298', () => {
    const { registry } = setup()
    registry.recordReply(A, 100)
    expect(registry.get(A)).toMatchObject({ smoothedRttMs: 100, rttVarianceMs: 50 })
    registry.recordReply(A, 180)
    // rttvar = 3/4·50 + 1/4·|100 − 180| = 57.5; srtt = 7/8·100 + 1/8·180 = 110
    expect(registry.get(A)).toMatchObject({ smoothedRttMs: 110, rttVarianceMs: 57.5 })
  })

  it('CONNECTED → SLOW only when the smoothed RTT stays above slowRttMs for slowConfirmReplies replies', () => {
    const { registry } = setup() // slow 100, confirm 3
    registry.recordReply(A, 10)
    // one spike: srtt 10 + 490/8 ≈ 71, under the threshold
    expect(registry.recordReply(A, 500)).toBeUndefined()
    expect(registry.recordReply(A, 1000)).toBeUndefined() // srtt ≈ 187: beyond, 1 of 3
    expect(registry.recordReply(A, 1000)).toBeUndefined() // 2 of 3
    expect(registry.recordReply(A, 1000)).toMatchObject({
      from: PeerState.CONNECTED,
      to: PeerState.SLOW,
      rttMs: 1000,
      reason: 'rtt-above-slow',
    })
  })

  it('a reply back inside the band restarts the count', () => {
    const { registry } = setup({ slowRttMs: 100, slowConfirmReplies: 2 })
    registry.recordReply(A, 95)
    expect(registry.recordReply(A, 200)).toBeUndefined() // srtt ≈ 108: 1 of 2
    expect(registry.recordReply(A, 0)).toBeUndefined() // srtt ≈ 95: count restarts
    expect(registry.recordReply(A, 200)).toBeUndefined() // srtt ≈ 108: 1 of 2
    expect(registry.recordReply(A, 200)?.to).toBe(PeerState.SLOW)
  })

  it('SLOW → CONNECTED only at or below slowRecoveryRttMs (default 80% of slowRttMs)', () => {
    const { registry, seen } = setup({ slowConfirmReplies: 1 })
    registry.recordReply(A, 150)
    expect(registry.get(A)?.state).toBe(PeerState.SLOW)
    let before = registry.get(A)?.smoothedRttMs ?? 0
    for (;;) {
      const t = registry.recordReply(A, 50)
      const after = registry.get(A)?.smoothedRttMs ?? 0
      if (t !== undefined) {
        expect(before).toBeGreaterThan(80)
        expect(after).toBeLessThanOrEqual(80)
        expect(t).toMatchObject({ from: PeerState.SLOW, to: PeerState.CONNECTED })
        expect(t.reason).toBe('rtt-below-recovery')
        break
      }
      expect(after).toBeGreaterThan(80)
      before = after
    }
    expect(seen.map((t) => t.to)).toEqual([PeerState.SLOW, PeerState.CONNECTED])
  })

  it('slowRecoveryRttMs is configurable and may equal slowRttMs (no hysteresis)', () => {
    const { registry } = setup({ slowConfirmReplies: 1, slowRecoveryRttMs: 100 })
    registry.recordReply(A, 101)
    expect(registry.recordReply(A, 93)?.to).toBe(PeerState.CONNECTED) // srtt 100
  })

  it.each([
    1, 2, 3, 4, 5,
  ])('jittery RTTs near the threshold (seed %i): at most one SLOW/CONNECTED change a minute', (seed) => {
    // 10 minutes of replies every second, mean ≈ 430 ms, spread 230–630 ms, threshold 500 ms.
    const rtts = jitteryRtts(seed, 600)
    const { changes } = feed({ slowRttMs: 500 }, rtts)
    expect(maxChangesWithin(changes, 60)).toBeLessThanOrEqual(1)
  })

  it('without the hysteresis the same jittery RTTs flap (the test above has teeth)', () => {
    const flaps = [1, 2, 3, 4, 5].map(
      (seed) =>
        feed(
          { slowRttMs: 430, slowRecoveryRttMs: 430, slowConfirmReplies: 1 },
          jitteryRtts(seed, 600),
        ).changes.length,
    )
    expect(Math.max(...flaps)).toBeGreaterThan(10)
  })
})

describe('PeerRegistry: per-peer probe timeout (srtt + 4·rttvar, floor pingTimeoutMs)', () => {
  it('is pingTimeoutMs until the first reply, and after OFFLINE', () => {
    const { registry } = setup({ pingTimeoutMs: 1000 })
    expect(registry.probeTimeoutMs(A)).toBe(1000)
    registry.recordReply(A, 2000) // srtt 2000, rttvar 1000: 6000 → ceiling 4000
    expect(registry.probeTimeoutMs(A)).toBe(4000)
    for (let i = 0; i < 3; i++) registry.recordMiss(A, 'timeout')
    expect(registry.probeTimeoutMs(A)).toBe(1000)
  })

  it('never goes below the floor on a fast link, nor above maxPingTimeoutMs', () => {
    const { registry } = setup({ pingTimeoutMs: 1000, maxPingTimeoutMs: 1500 })
    for (let i = 0; i < 20; i++) registry.recordReply(A, 1)
    expect(registry.probeTimeoutMs(A)).toBe(1000)
    for (let i = 0; i < 20; i++) registry.recordReply(A, i % 2 === 0 ? 100 : 3000)
    expect(registry.probeTimeoutMs(A)).toBe(1500)
  })

  it('follows a jittery link: nearly every reply comes within the timeout computed before it', () => {
    const { registry } = setup({ pingTimeoutMs: 50, maxPingTimeoutMs: 10_000 })
    const rtts = jitteryRtts(7, 1000)
    let late = 0
    for (const [i, rtt] of rtts.entries()) {
      if (i >= 10 && rtt > registry.probeTimeoutMs(A)) late++
      registry.recordReply(A, rtt)
    }
    expect(late).toBeLessThanOrEqual(10) // ≤ 1 %
    expect(registry.probeTimeoutMs(A)).toBeGreaterThan(Math.max(...rtts.slice(-20)) - 1)
  })

  it('throws unknown-peer for a peer it does not track', () => {
    const { registry } = setup()
    expect(codeOf(() => registry.probeTimeoutMs('nobody'))).toBe('UnknownPeer')
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
    for (let i = 0; i < 3; i++) registry.recordMiss(A, 'timeout')
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
    const { registry } = setup({ historyCapacity: capacity, offlineAfterMissed: 1 })
    // alternate reply / miss: every outcome flips CONNECTED ↔ OFFLINE
    for (let i = 0; i < transitions; i++) {
      if (i % 2 === 0) registry.recordReply(A, 10)
      else registry.recordMiss(A, 'timeout')
    }
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
    expect(codeOf(() => registry.historySince(-1))).toBe('InvalidArgument')
    expect(codeOf(() => registry.historySince(1.5))).toBe('InvalidArgument')
    expect(codeOf(() => registry.historySince(Number.NaN))).toBe('InvalidArgument')
  })
})

describe('PeerRegistry: caps and bad input', () => {
  it('tracks up to maxPeers and refuses one more with RegistryFull', () => {
    const { registry } = setup({ maxPeers: 2 })
    expect(registry.addPeer(B, 'validator-b')).toBe(true)
    expect(codeOf(() => registry.addPeer('peer-c', 'validator-c'))).toBe('RegistryFull')
    expect(registry.snapshot().peers).toHaveLength(2)
    registry.removePeer(B)
    expect(registry.addPeer('peer-c', 'validator-c')).toBe(true)
  })

  it('accepts maxListeners listeners and refuses one more', () => {
    let now = 0
    const registry = createPeerRegistry({ maxListeners: 2, clock: () => now++ })
    registry.onTransition(() => {})
    const off = registry.onTransition(() => {})
    expect(codeOf(() => registry.onTransition(() => {}))).toBe('TooManyListeners')
    off()
    expect(() => registry.onTransition(() => {})).not.toThrow()
  })

  it('rejects outcomes for unknown peers and impossible RTTs', () => {
    const { registry } = setup()
    expect(codeOf(() => registry.recordReply('nobody', 1))).toBe('UnknownPeer')
    expect(codeOf(() => registry.recordMiss('nobody', 'timeout'))).toBe('UnknownPeer')
    for (const rtt of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(codeOf(() => registry.recordReply(A, rtt))).toBe('InvalidArgument')
    }
    expect(codeOf(() => registry.addPeer('', 'v'))).toBe('InvalidArgument')
    expect(codeOf(() => registry.addPeer('p', ''))).toBe('InvalidArgument')
    expect(registry.get(A)?.state).toBe(PeerState.UNKNOWN)
  })

  it.each([
    [{ slowRttMs: 0 }, 'slowRttMs'],
    [{ slowRttMs: 1.5 }, 'slowRttMs'],
    [{ slowRttMs: 100, slowRecoveryRttMs: 101 }, 'slowRecoveryRttMs'],
    [{ offlineAfterMissed: 0 }, 'offlineAfterMissed'],
    [{ slowConfirmReplies: 0 }, 'slowConfirmReplies'],
    [{ slowConfirmReplies: 65 }, 'slowConfirmReplies'],
    [{ pingTimeoutMs: 0 }, 'pingTimeoutMs'],
    [{ pingTimeoutMs: 1000, maxPingTimeoutMs: 999 }, 'maxPingTimeoutMs'],
    [{ historyCapacity: 0 }, 'historyCapacity'],
    [{ maxPeers: -1 }, 'maxPeers'],
    [{ maxListeners: Number.NaN }, 'maxListeners'],
  ] as Array<[PeerRegistryInit, string]>)('refuses %j naming %s', (init, field) => {
    expect(() => createPeerRegistry(init)).toThrow(field)
    expect(codeOf(() => createPeerRegistry(init))).toBe('InvalidConfig')
  })

  it('accepts the boundary values', () => {
    expect(() =>
      createPeerRegistry({
        slowRttMs: 1,
        slowRecoveryRttMs: 1,
        slowConfirmReplies: 64,
        pingTimeoutMs: 1,
        maxPingTimeoutMs: 1,
        historyCapacity: 1,
      }),
    ).not.toThrow()
  })
})
