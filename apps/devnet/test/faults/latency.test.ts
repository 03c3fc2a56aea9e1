// Latency: 800 ms added to everything validator-4 sends (it lives in its own
// network namespace; the delay is added by a relay on its path, because this
// kernel has no sch_netem for `tc netem`). It becomes SLOW, never OFFLINE,
// and yields no evidence; once the delay is removed it is CONNECTED again.
// Every figure is printed.
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/proto'
import { figure } from './helpers/cluster.js'
import {
  ISOLATED,
  MONITOR_OFFLINE_THRESHOLD_MS,
  OTHERS,
  useIsolatedCluster,
} from './helpers/isolated-cluster.js'

const ADDED_DELAY_MS = 800
/**
 * Probes until a step in RTT changes SLOW/CONNECTED: the smoothed RTT
 * (RFC 6298, 1/8 per reply) needs about 8 replies to cross the band after
 * an 800 ms step, then 5 more replies beyond it confirm the change
 * (PeerRegistry's slowConfirmReplies); the rest is slack for a busy machine.
 */
const PROBES_TO_CHANGE = 20

const isolatedCluster = useIsolatedCluster()

describe('800 ms of added delay on one validator', () => {
  it('makes it SLOW, not OFFLINE, with no evidence; removed, it is CONNECTED again', async () => {
    const { cluster, relay } = isolatedCluster()
    const t = cluster.timings
    const slow = cluster.name(ISOLATED)
    const offlineSeen: string[] = []
    /** Records any OFFLINE report about or by the slow validator. */
    const watchForOffline = async (): Promise<Map<number, PeerState | undefined>> => {
      const states = new Map<number, PeerState | undefined>()
      for (const o of OTHERS) {
        const s = await cluster.stateOf(o, ISOLATED)
        states.set(o, s?.state)
        if (s?.state === PeerState.PEER_STATE_OFFLINE)
          offlineSeen.push(`${cluster.name(o)} saw ${slow}`)
        const mine = await cluster.stateOf(ISOLATED, o)
        if (mine?.state === PeerState.PEER_STATE_OFFLINE)
          offlineSeen.push(`${slow} saw ${cluster.name(o)}`)
      }
      return states
    }

    const addedAt = Date.now()
    relay.delayMs = ADDED_DELAY_MS
    figure(
      `${ADDED_DELAY_MS} ms added to everything ${slow} sends (slow threshold ${t.slowRttMs} ms, ping timeout ${t.pingTimeoutMs} ms)`,
    )
    const slowAfter = new Map<number, number>()
    const describeViews = async (): Promise<string> =>
      (
        await Promise.all(
          OTHERS.map(async (o) => {
            const res = await cluster.view(o)
            const p = res.peers.find((x) => x.validator === cluster.identity(ISOLATED))
            return `${cluster.name(o)}: state ${p?.state} rtt ${p?.rttMs?.toFixed(0)} smoothed ${p?.smoothedRttMs?.toFixed(0)} misses ${p?.consecutiveMisses}`
          }),
        )
      ).join('; ')
    // The RTTs as they climb, every 3 s.
    const progress = setInterval(() => void describeViews().then(figure, () => {}), 3000)
    try {
      await cluster.waitUntil(
        `${slow} SLOW everywhere`,
        t.pingIntervalMs * PROBES_TO_CHANGE,
        async () => {
          const states = await watchForOffline()
          for (const o of OTHERS) {
            if (states.get(o) === PeerState.PEER_STATE_SLOW && !slowAfter.has(o)) {
              slowAfter.set(o, Date.now() - addedAt)
            }
          }
          return slowAfter.size === OTHERS.length
        },
      )
    } finally {
      clearInterval(progress)
    }
    await describeViews().then(figure)
    for (const o of OTHERS)
      figure(
        `${cluster.name(o)} marked ${slow} SLOW ${slowAfter.get(o)} ms after the delay was added`,
      )

    // Stay slow for longer than it takes to go OFFLINE and for the monitor to count it.
    const holdMs =
      t.pingIntervalMs * t.offlineAfterMissed + t.pingTimeoutMs + MONITOR_OFFLINE_THRESHOLD_MS
    const holdUntil = Date.now() + holdMs
    while (Date.now() < holdUntil) {
      const states = await watchForOffline()
      for (const o of OTHERS) expect(states.get(o)).toBe(PeerState.PEER_STATE_SLOW)
      await delay(250)
    }
    const rtts = await Promise.all(
      OTHERS.map(async (o) => {
        const res = await cluster.view(o)
        const p = res.peers.find((x) => x.validator === cluster.identity(ISOLATED))!
        return `${cluster.name(o)} rtt ${p.rttMs?.toFixed(0)} ms (smoothed ${p.smoothedRttMs?.toFixed(0)} ms)`
      }),
    )
    figure(
      `after ${holdMs} ms of delay: ${rtts.join(', ')}; OFFLINE reports: ${offlineSeen.length}`,
    )
    expect(offlineSeen).toEqual([])
    const evidence = await isolatedCluster().evidence()
    figure(`monitor evidence while slow: ${evidence.length} records`)
    expect(evidence).toEqual([])

    const removedAt = Date.now()
    relay.delayMs = 0
    const connectedAfter = new Map<number, number>()
    await cluster.waitUntil(
      `${slow} CONNECTED again`,
      t.pingIntervalMs * PROBES_TO_CHANGE,
      async () => {
        for (const o of OTHERS) {
          const s = await cluster.stateOf(o, ISOLATED)
          if (s?.state === PeerState.PEER_STATE_CONNECTED && !connectedAfter.has(o)) {
            connectedAfter.set(o, s.sinceMs - removedAt)
          }
        }
        return connectedAfter.size === OTHERS.length
      },
    )
    for (const o of OTHERS) {
      figure(
        `${cluster.name(o)} marked ${slow} CONNECTED ${connectedAfter.get(o)} ms after the delay was removed`,
      )
    }
    expect(offlineSeen).toEqual([])
  }, 240_000)
})
