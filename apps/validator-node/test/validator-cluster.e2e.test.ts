// Four real `paraloom validator start` processes against the registry
// stand-in: start-up lines, ListPeers, and WatchPeers through a SIGKILL, a
// restart, a resume with after_sequence and both kinds of history gap.
import { beforeAll, describe, expect, it, jest } from '@jest/globals'
import { type PeerEvent, PeerState, type PeerTransition } from '@paraloom/proto'
import { eventually } from '@paraloom/test-utils'
import { useCluster } from './helpers/cluster-suite.js'
import {
  gapOf,
  type NodeClients,
  type StreamReader,
  snapshotOf,
  transitionOf,
  waitForFullMesh,
} from './helpers/grpc.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(60_000)

/** Validator 2 keeps only this many transitions, so a watcher can fall behind it. */
const SMALL_HISTORY = 2

const suite = useCluster({
  size: 4,
  liveness: (i): Record<string, number> => (i === 2 ? { history_capacity: SMALL_HISTORY } : {}),
})

/** Opens WatchPeers on validator `i`; cancelled at teardown. */
const watch = (i: number, request: Parameters<NodeClients['watchPeers']>[0] = {}) =>
  suite.track(suite.clients[i]!.watchPeers(request))

const transitionTo =
  (validator: string, to: PeerState) =>
  (e: PeerEvent): boolean => {
    const t = transitionOf(e)
    return t !== undefined && t.validator === validator && t.toState === to
  }

describe('paraloom validator start, 4 validators', () => {
  const { clients } = suite
  it('prints the start-up lines in order, then only JSON log lines', () => {
    for (const v of suite.cluster.validators) {
      const plain = v.lines.filter((l) => !l.startsWith('{'))
      expect(plain).toEqual([
        'loading network=devnet from on-chain registry',
        'kademlia bootstrap: 3 seed peers',
        'gossipsub subscribed: paraloom/devnet/blocks',
        'gossipsub subscribed: paraloom/devnet/votes',
        'gossipsub subscribed: paraloom/devnet/results',
        'ping behaviour active',
        expect.stringMatching(
          new RegExp(
            `^ready: listening on /ip4/127\\.0\\.0\\.1/tcp/${v.ports.p2p}(/p2p/${v.peerId})?$`,
          ),
        ),
      ])
      for (const line of v.lines.filter((l) => l.startsWith('{'))) {
        expect(JSON.parse(line)).toEqual(
          expect.objectContaining({ time: expect.any(String), level: expect.any(String) }),
        )
      }
      expect(v.stderr).toBe('')
    }
  })

  it('ListPeers on each validator shows the other three CONNECTED', async () => {
    for (const [i, v] of suite.cluster.validators.entries()) {
      const res = await clients[i]!.listPeers()
      expect(res.observer).toMatchObject({
        validator: v.identity,
        peerId: v.peerId,
        network: 'devnet',
      })
      const others = suite.cluster.validators.filter((o) => o !== v)
      expect(res.peers.map((p) => p.validator).sort()).toEqual(others.map((o) => o.identity).sort())
      for (const p of res.peers) {
        expect(p.state).toBe(PeerState.PEER_STATE_CONNECTED)
        expect(p.peerId).toBe(others.find((o) => o.identity === p.validator)?.peerId)
        expect(p.rttMs).toBeGreaterThanOrEqual(0)
        expect(p.lastSeenMs).toBeDefined()
      }
      // One UNKNOWN -> CONNECTED transition per peer at least.
      expect(res.lastSequence).toBeGreaterThanOrEqual(3n)
    }
  })

  describe('a validator SIGKILLed and restarted', () => {
    const victim = () => suite.cluster.validators[3]!
    let live: StreamReader<PeerEvent>
    let offline: PeerTransition
    let online: PeerTransition
    let pausedAfter: bigint
    let victimBefore: { incarnation: string; lastSequence: bigint }

    beforeAll(async () => {
      // A watcher that stays connected throughout, and one that leaves now and resumes later.
      live = watch(0)
      await live.next('the first snapshot', (e) => snapshotOf(e) !== undefined)
      const paused = watch(0)
      pausedAfter = snapshotOf(await paused.next('a snapshot'))!.lastSequence
      paused.cancel()

      const before = await clients[3]!.listPeers()
      victimBefore = {
        incarnation: before.observer!.incarnation,
        lastSequence: before.lastSequence,
      }

      victim().kill('SIGKILL')
      expect(await victim().exit(5000)).toEqual({ code: null, signal: 'SIGKILL' })
      offline = transitionOf(
        await live.next(
          'the victim going OFFLINE',
          transitionTo(victim().identity, PeerState.PEER_STATE_OFFLINE),
        ),
      )!
      await victim().start()
      online = transitionOf(
        await live.next(
          'the victim coming back',
          transitionTo(victim().identity, PeerState.PEER_STATE_CONNECTED),
        ),
      )!
      await waitForFullMesh(suite.cluster.validators)
    }, 120_000)

    it('WatchPeers streams the transition to OFFLINE and the one back to CONNECTED', () => {
      expect(offline).toMatchObject({
        peerId: victim().peerId,
        fromState: PeerState.PEER_STATE_CONNECTED,
        toState: PeerState.PEER_STATE_OFFLINE,
        consecutiveMisses: 3,
      })
      expect(online).toMatchObject({
        peerId: victim().peerId,
        fromState: PeerState.PEER_STATE_OFFLINE,
        toState: PeerState.PEER_STATE_CONNECTED,
        consecutiveMisses: 0,
      })
      expect(online.sequence).toBeGreaterThan(offline.sequence)
      expect(online.atMs).toBeGreaterThan(offline.atMs)
      // Every event names the observing node.
      for (const e of live.received)
        expect(e.observer?.validator).toBe(suite.cluster.validators[0]!.identity)
    })

    it('a watcher resuming with after_sequence gets every transition it missed, in order, once', async () => {
      const incarnation = live.received[0]!.observer!.incarnation
      const latest = (await clients[0]!.listPeers()).lastSequence
      expect(latest).toBeGreaterThan(pausedAfter)
      const resumed = watch(0, { afterSequence: pausedAfter, incarnation })
      const replay: PeerTransition[] = []
      while (replay.length === 0 || replay.at(-1)!.sequence < latest) {
        const e = await resumed.next('a replayed transition')
        expect(e.event?.$case).toBe('transition')
        replay.push(transitionOf(e)!)
      }
      const missed = Array.from(
        { length: Number(latest - pausedAfter) },
        (_, k) => BigInt(k + 1) + pausedAfter,
      )
      expect(replay.map((t) => t.sequence)).toEqual(missed)
      // The same transitions, field for field, as the watcher that never left saw.
      await eventually('the live watcher to reach the latest sequence', () =>
        live.received.some((e) => (transitionOf(e)?.sequence ?? 0n) >= latest) ? true : undefined,
      )
      const seenLive = live.received
        .map(transitionOf)
        .filter((t): t is PeerTransition => t !== undefined)
        .filter((t) => t.sequence > pausedAfter && t.sequence <= latest)
      expect(replay).toEqual(seenLive)
      expect(replay).toContainEqual(offline)
      expect(replay).toContainEqual(online)
    })

    it('a watcher resuming from before the restart gets a "restarted" gap, then the new incarnation from sequence 1', async () => {
      const reader = watch(3, {
        afterSequence: victimBefore.lastSequence,
        incarnation: victimBefore.incarnation,
      })
      const first = await reader.next('a gap')
      expect(gapOf(first)).toMatchObject({
        requestedAfter: victimBefore.lastSequence,
        requestedIncarnation: victimBefore.incarnation,
        reason: 'restarted',
      })
      expect(first.observer?.incarnation).not.toBe(victimBefore.incarnation)
      // The restarted node still holds its history from sequence 1: replayed, no snapshot.
      const replayed = transitionOf(await reader.next('the first transition after the gap'))
      expect(replayed?.sequence).toBe(1n)
      const others = suite.cluster.validators.slice(0, 3).map((v) => v.identity)
      expect(others).toContain(replayed?.validator)
    })
  })

  it('answers a resume from a sequence this incarnation never reached with a "restarted" gap', async () => {
    const res = await clients[1]!.listPeers()
    const reader = watch(1, {
      afterSequence: res.lastSequence + 1000n,
      incarnation: res.observer!.incarnation,
    })
    expect(gapOf(await reader.next('a gap'))).toMatchObject({
      requestedAfter: res.lastSequence + 1000n,
      reason: 'restarted',
    })
    expect(snapshotOf(await reader.next('the snapshot after the gap'))?.peers).toHaveLength(3)
  })

  describe('a validator with a history of 2 transitions', () => {
    it('replays a resume exactly at the capacity without a gap', async () => {
      const res = await clients[2]!.listPeers()
      const latest = res.lastSequence
      const reader = watch(2, {
        afterSequence: latest - BigInt(SMALL_HISTORY),
        incarnation: res.observer!.incarnation,
      })
      const replayed = [await reader.next('replay 1'), await reader.next('replay 2')]
      expect(replayed.map((e) => transitionOf(e)?.sequence)).toEqual([latest - 1n, latest])
    })

    it('answers a watcher further behind with an "evicted" gap, then a fresh snapshot', async () => {
      const res = await clients[2]!.listPeers()
      const latest = res.lastSequence
      expect(latest).toBeGreaterThan(BigInt(SMALL_HISTORY))
      const reader = watch(2, {
        afterSequence: latest - BigInt(SMALL_HISTORY) - 1n,
        incarnation: res.observer!.incarnation,
      })
      expect(gapOf(await reader.next('a gap'))).toEqual({
        requestedAfter: latest - BigInt(SMALL_HISTORY) - 1n,
        requestedIncarnation: res.observer!.incarnation,
        oldestAvailable: latest - 1n,
        reason: 'evicted',
      })
      const snapshot = snapshotOf(await reader.next('the snapshot after the gap'))
      expect(snapshot?.lastSequence).toBeGreaterThanOrEqual(latest)
      expect(snapshot?.peers).toHaveLength(3)
    })
  })
})
