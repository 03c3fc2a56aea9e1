import { afterEach, describe, expect, it } from '@jest/globals'
import type { PeerId } from '@libp2p/interface'
import { PeerState } from '@paraloom/interface'
import { sleep, waitFor } from '@paraloom/test-utils'
import {
  createLiveness,
  type Liveness,
  type LivenessComponents,
  type LivenessInit,
  type PeerTransition,
} from '../src/liveness/index.js'
import { type TestKey, testKey } from './fixtures/liveness-helpers.js'

/** Scripted components: each peer's behaviour is a function, every call is counted. */
class StubComponents implements LivenessComponents {
  connected = new Set<string>()
  pingImpl: (peer: string, signal: AbortSignal) => Promise<number> = async () => 5
  dialImpl: (peer: string) => Promise<void> = async () => {
    throw new Error('connection refused')
  }
  pings = 0
  dials = 0
  inFlight = new Map<string, number>()
  maxInFlightPerPeer = 0
  maxInFlightTotal = 0
  signals: AbortSignal[] = []

  async ping(peerId: PeerId, options: { signal: AbortSignal }): Promise<number> {
    this.pings++
    this.signals.push(options.signal)
    return this.track(peerId.toString(), () => this.pingImpl(peerId.toString(), options.signal))
  }

  async dial(peerId: PeerId): Promise<void> {
    this.dials++
    await this.dialImpl(peerId.toString())
    this.connected.add(peerId.toString())
  }

  isConnected(peerId: PeerId): boolean {
    return this.connected.has(peerId.toString())
  }

  private async track<T>(peer: string, fn: () => Promise<T>): Promise<T> {
    const n = (this.inFlight.get(peer) ?? 0) + 1
    this.inFlight.set(peer, n)
    this.maxInFlightPerPeer = Math.max(this.maxInFlightPerPeer, n)
    const total = [...this.inFlight.values()].reduce((a, b) => a + b, 0)
    this.maxInFlightTotal = Math.max(this.maxInFlightTotal, total)
    try {
      return await fn()
    } finally {
      this.inFlight.set(peer, (this.inFlight.get(peer) ?? 1) - 1)
    }
  }
}

const never = () => new Promise<never>(() => {})

let keys: TestKey[] = []
const running: Liveness[] = []

async function setup(init: Partial<LivenessInit> = {}, peerCount = 1) {
  if (keys.length < peerCount) {
    keys = await Promise.all(Array.from({ length: peerCount }, (_, i) => testKey(i + 1)))
  }
  const stub = new StubComponents()
  const liveness = createLiveness(
    {
      pingIntervalMs: 30,
      pingTimeoutMs: 30,
      slowRttMs: 100,
      offlineAfterMissed: 3,
      redialBackoff: { initialMs: 0, maxMs: 0 },
      ...init,
    },
    stub,
  )
  running.push(liveness)
  const peers = keys.slice(0, peerCount).map((k) => ({ peerId: k.peerId, identity: k.identity }))
  for (const p of peers) stub.connected.add(p.peerId.toString())
  liveness.setPeers(peers)
  const transitions: PeerTransition[] = []
  liveness.registry.onTransition((t) => transitions.push(t))
  return { stub, liveness, transitions, peers }
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((l) => l.stop()))
})

describe('liveness scheduler with stub components', () => {
  it('a reply makes the peer CONNECTED; nothing is probed before start', async () => {
    const { stub, liveness, transitions, peers } = await setup()
    await sleep(60)
    expect(stub.pings).toBe(0)
    liveness.start()
    liveness.start() // idempotent
    expect(liveness.isStarted()).toBe(true)
    await waitFor('CONNECTED', () => transitions[0])
    expect(transitions[0]).toMatchObject({
      peer: peers[0]!.peerId.toString(),
      validator: peers[0]!.identity,
      from: PeerState.UNKNOWN,
      to: PeerState.CONNECTED,
      rttMs: 5,
    })
  })

  it('a ping that never resolves times out, counts as a miss, and N misses make it OFFLINE', async () => {
    const { stub, liveness, transitions } = await setup({ pingIntervalMs: 20, pingTimeoutMs: 40 })
    stub.pingImpl = never // ignores its signal too: the scheduler must not wait for it
    liveness.start()
    const offline = await waitFor('OFFLINE', () =>
      transitions.find((t) => t.to === PeerState.OFFLINE),
    )
    expect(offline).toMatchObject({
      from: PeerState.UNKNOWN,
      consecutiveMisses: 3,
      reason: 'timeout',
    })
    // the timeout aborted each probe's signal
    expect(stub.signals.slice(0, 3).every((s) => s.aborted)).toBe(true)
  })

  it('never overlaps two probes of one peer, even when the timeout exceeds the interval', async () => {
    const { stub, liveness, transitions } = await setup({ pingIntervalMs: 10, pingTimeoutMs: 60 })
    stub.pingImpl = (_peer, signal) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      )
    const startedAt = Date.now()
    liveness.start()
    await waitFor('OFFLINE', () => transitions[0])
    await liveness.stop()
    expect(stub.maxInFlightPerPeer).toBe(1)
    // one probe per timeout, not one per interval
    expect(stub.pings).toBeLessThanOrEqual(Math.ceil((Date.now() - startedAt) / 60) + 1)
    expect(transitions[0]).toMatchObject({ to: PeerState.OFFLINE, consecutiveMisses: 3 })
  })

  it('with the timeout equal to the interval (the defaults), a silent peer misses once per interval', async () => {
    const { stub, liveness } = await setup({ pingIntervalMs: 50, pingTimeoutMs: 50 })
    stub.pingImpl = (_peer, signal) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      )
    const startedAt = Date.now()
    liveness.start()
    await sleep(600)
    await liveness.stop()
    const intervals = (Date.now() - startedAt) / 50
    // Without the due mark, each tick races the timeout and every other one finds
    // the probe still running: about intervals / 2 probes.
    expect(stub.pings).toBeGreaterThanOrEqual(Math.floor(intervals * 0.75))
    expect(stub.maxInFlightPerPeer).toBe(1)
  })

  it('a slow ping is judged by its RTT, not timed out, when under pingTimeoutMs', async () => {
    const { stub, liveness, transitions } = await setup({ pingTimeoutMs: 200 })
    stub.pingImpl = async () => {
      await sleep(5)
      return 150
    }
    liveness.start()
    await waitFor('SLOW', () => transitions.find((t) => t.to === PeerState.SLOW))
    expect(transitions.map((t) => t.to)).toEqual([PeerState.SLOW])
  })

  it('a disconnected peer is redialled, then pinged', async () => {
    const { stub, liveness, transitions, peers } = await setup()
    stub.connected.clear()
    stub.dialImpl = async () => {}
    liveness.start()
    await waitFor('CONNECTED', () => transitions[0])
    expect(stub.dials).toBe(1)
    expect(stub.isConnected(peers[0]!.peerId)).toBe(true)
    expect(transitions[0]?.to).toBe(PeerState.CONNECTED)
  })

  it.each([
    ['each failed redial is a dial-failed miss', { initialMs: 0, maxMs: 0 }, 'dial-failed', 3],
    [
      'inside the backoff wait a probe is a dial-backoff miss',
      { initialMs: 60_000, maxMs: 60_000 },
      'dial-backoff',
      1,
    ],
  ] as const)('a disconnected peer that cannot be dialled goes OFFLINE after N misses: %s', async (_name, redialBackoff, reason, dials) => {
    const { stub, liveness, transitions } = await setup({ redialBackoff })
    stub.connected.clear()
    let dialsAtOffline = -1
    liveness.registry.onTransition(() => {
      dialsAtOffline = stub.dials
    })
    liveness.start()
    const offline = await waitFor('OFFLINE', () => transitions[0])
    expect(offline).toMatchObject({ to: PeerState.OFFLINE, consecutiveMisses: 3, reason })
    expect(dialsAtOffline).toBe(dials)
    expect(stub.pings).toBe(0)
  })

  it('a dial that hangs is bounded by pingTimeoutMs', async () => {
    const { stub, liveness, transitions } = await setup()
    stub.connected.clear()
    stub.dialImpl = never
    liveness.start()
    const offline = await waitFor('OFFLINE', () => transitions[0])
    expect(offline.reason).toBe('timeout')
  })

  it('a ping that throws, or throws synchronously, or returns a non-RTT is ping-failed', async () => {
    const { stub, liveness, transitions } = await setup()
    const behaviours: Array<() => Promise<number>> = [
      async () => {
        throw new Error('stream reset')
      },
      () => {
        throw new Error('sync throw')
      },
      async () => Number.NaN,
    ]
    let call = 0
    stub.pingImpl = () => behaviours[call++ % behaviours.length]!()
    liveness.start()
    const offline = await waitFor('OFFLINE', () => transitions[0])
    expect(offline).toMatchObject({
      to: PeerState.OFFLINE,
      reason: 'ping-failed',
      consecutiveMisses: 3,
    })
  })

  it('runs at most maxConcurrentProbes at once and still probes every peer', async () => {
    const { stub, liveness, transitions } = await setup(
      { maxConcurrentProbes: 2, pingIntervalMs: 10, pingTimeoutMs: 200 },
      5,
    )
    stub.pingImpl = async () => {
      await sleep(15)
      return 1
    }
    liveness.start()
    await waitFor('all CONNECTED', () => transitions.length === 5)
    expect(stub.maxInFlightTotal).toBe(2)
    expect(stub.maxInFlightPerPeer).toBe(1)
  })

  it('stop aborts in-flight probes, clears every timer, and nothing runs afterwards', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const { stub, liveness, transitions } = await setup({
      pingIntervalMs: 20,
      pingTimeoutMs: 10_000,
    })
    stub.pingImpl = (_peer, signal) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason)),
      )
    liveness.start()
    await waitFor('a probe in flight', () => stub.pings === 1)
    await liveness.stop()
    await liveness.stop() // idempotent
    expect(liveness.isStarted()).toBe(false)
    expect(stub.signals[0]?.aborted).toBe(true)
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(
      timersBefore,
    )
    await sleep(100)
    expect(stub.pings).toBe(1)
    // the aborted probe was not recorded as a miss
    expect(liveness.registry.snapshot().peers[0]?.consecutiveMisses).toBe(0)
    expect(transitions).toEqual([])
  })

  it('restarts after stop', async () => {
    const { liveness, transitions } = await setup()
    liveness.start()
    await liveness.stop()
    liveness.start()
    await waitFor('CONNECTED', () => transitions[0])
  })

  it('setPeers drops removed peers (aborting their probe), adds new ones UNKNOWN', async () => {
    const { stub, liveness, peers } = await setup({ pingTimeoutMs: 10_000 }, 2)
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]]
    stub.pingImpl = (peer, signal) =>
      peer === a.peerId.toString()
        ? new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          )
        : Promise.resolve(3)
    liveness.start()
    await waitFor('a probe of a in flight', () => stub.inFlight.get(a.peerId.toString()) === 1)
    liveness.setPeers([b])
    await waitFor('probe of a aborted', () => stub.inFlight.get(a.peerId.toString()) === 0)
    expect(liveness.registry.has(a.peerId.toString())).toBe(false)
    expect(liveness.registry.snapshot().peers.map((p) => p.peer)).toEqual([b.peerId.toString()])
    liveness.setPeers([b, a])
    expect(liveness.registry.get(a.peerId.toString())?.state).toBe(PeerState.UNKNOWN)
  })

  it('setPeers over maxPeers throws RegistryFull and changes nothing', async () => {
    const { liveness, peers } = await setup({ maxPeers: 2 }, 2)
    const extra = await testKey(99)
    expect(() =>
      liveness.setPeers([...peers, { peerId: extra.peerId, identity: extra.identity }]),
    ).toThrow(expect.objectContaining({ code: 'RegistryFull' }))
    expect(liveness.registry.snapshot().peers).toHaveLength(2)
    // duplicates count once
    expect(() => liveness.setPeers([peers[0]!, peers[0]!, peers[1]!])).not.toThrow()
    expect(() => liveness.setPeers([{ peerId: peers[0]!.peerId, identity: '' }])).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    )
  })

  it('records RTT metrics from real probe replies', async () => {
    const rtts: number[] = []
    const { liveness } = await setup({
      metrics: { pingRttMs: { observe: (_l, v) => rtts.push(v) } },
    })
    liveness.start()
    await waitFor('two RTTs', () => rtts.length >= 2)
    expect(rtts.slice(0, 2)).toEqual([5, 5])
  })

  it("each probe waits the peer's own timeout (srtt + 4·rttvar), above the configured floor", async () => {
    const { stub, liveness, transitions, peers } = await setup({
      pingIntervalMs: 20,
      pingTimeoutMs: 20,
      maxPingTimeoutMs: 5000,
    })
    stub.pingImpl = async () => 400 // replies that report a 400 ms round trip
    liveness.start()
    await waitFor('CONNECTED... then SLOW', () => transitions[0])
    const peer = peers[0]!.peerId.toString()
    const expected = liveness.registry.probeTimeoutMs(peer)
    expect(expected).toBeGreaterThan(400)
    const waited: number[] = []
    stub.pingImpl = (_peer, signal) => {
      const startedAt = Date.now()
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          waited.push(Date.now() - startedAt)
          reject(signal.reason)
        }),
      )
    }
    await waitFor('a timed-out probe', () => waited.length > 0, 10_000)
    // the floor (20 ms) would have given up 20× sooner
    expect(waited[0]).toBeGreaterThanOrEqual(expected - 5)
    expect(liveness.registry.get(peer)?.consecutiveMisses).toBeGreaterThanOrEqual(1)
  })

  it('a sign of life probes an OFFLINE peer at once, its redial backoff forgotten', async () => {
    const intervalMs = 5000
    const { stub, liveness, transitions, peers } = await setup({
      pingIntervalMs: intervalMs,
      pingTimeoutMs: 100,
      offlineAfterMissed: 1,
      redialBackoff: { initialMs: 60_000, maxMs: 60_000 },
    })
    stub.connected.clear() // every dial fails: OFFLINE, then a minute of backoff
    liveness.start()
    await waitFor('OFFLINE', () => transitions.find((t) => t.to === PeerState.OFFLINE))
    stub.dialImpl = async () => {}
    const dials = stub.dials
    const sawAt = Date.now()
    liveness.sawPeer(peers[0]!.peerId)
    const up = await waitFor(
      'CONNECTED',
      () => transitions.find((t) => t.to === PeerState.CONNECTED),
      intervalMs / 2,
    )
    expect(up.at - sawAt).toBeLessThan(intervalMs)
    expect(stub.dials).toBe(dials + 1)
  })

  it('a sign of life from a peer already CONNECTED costs no probe; unknown peers are ignored', async () => {
    const other = await testKey(99)
    const { stub, liveness, transitions, peers } = await setup({ pingIntervalMs: 5000 })
    liveness.start()
    await waitFor('CONNECTED', () => transitions[0])
    const pings = stub.pings
    for (let i = 0; i < 100; i++) liveness.sawPeer(peers[0]!.peerId)
    liveness.sawPeer(other.peerId)
    await sleep(50)
    expect(stub.pings).toBe(pings)
  })

  it('a late reply counts as a reply: it clears the misses', async () => {
    const { stub, liveness, peers } = await setup({
      pingIntervalMs: 5000,
      pingTimeoutMs: 20,
      slowRttMs: 1000,
    })
    stub.pingImpl = never
    liveness.start()
    const peer = peers[0]!.peerId
    await waitFor('a miss', () => liveness.registry.get(peer.toString())!.consecutiveMisses === 1)
    liveness.lateReply(peer, 250)
    expect(liveness.registry.get(peer.toString())).toMatchObject({
      consecutiveMisses: 0,
      rttMs: 250,
      state: PeerState.CONNECTED,
    })
    liveness.lateReply(peer, Number.NaN) // ignored, as is an unknown peer
    liveness.lateReply((await testKey(98)).peerId, 5)
    expect(liveness.registry.get(peer.toString())?.rttMs).toBe(250)
  })

  it.each([
    [{ pingIntervalMs: 0 }, 'pingIntervalMs'],
    [{ pingTimeoutMs: -5 }, 'pingTimeoutMs'],
    [{ maxConcurrentProbes: 0 }, 'maxConcurrentProbes'],
  ] as Array<[Partial<LivenessInit>, string]>)('refuses %j', (bad, field) => {
    expect(() => createLiveness(bad, new StubComponents())).toThrow(field)
  })
})
