// Partition: validator-4's p2p link (a veth into its own network namespace)
// is taken down. The majority marks it OFFLINE and the peer-monitor records
// evidence backed by a quorum of observers; validator-4's own view (everyone
// OFFLINE) does not become evidence against the majority; healed, everything
// is CONNECTED again within one refresh interval.
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/proto'
import { figure } from './helpers/cluster.js'
import {
  ALL,
  ISOLATED,
  MONITOR_OFFLINE_THRESHOLD_MS,
  MONITOR_QUORUM,
  OTHERS,
  useIsolatedCluster,
} from './helpers/isolated-cluster.js'

const SLACK_MS = 1000

const isolatedCluster = useIsolatedCluster()

describe('partition of one validator', () => {
  it('is OFFLINE for the majority with quorum evidence, not the reverse, and heals', async () => {
    const { cluster, host } = isolatedCluster()
    const t = cluster.timings
    const offlineBoundMs = t.pingIntervalMs * t.offlineAfterMissed + t.pingTimeoutMs + SLACK_MS
    const isolated = cluster.name(ISOLATED)
    const cutAt = Date.now()
    await host.cut()
    figure(`${isolated}'s p2p link cut (veth down); OFFLINE bound ${offlineBoundMs} ms`)

    const majoritySaw = new Map<number, number>()
    const isolatedSaw = new Map<number, number>()
    await cluster.waitUntil(
      'OFFLINE on both sides of the cut',
      offlineBoundMs + 15_000,
      async () => {
        for (const o of OTHERS) {
          const s = await cluster.stateOf(o, ISOLATED)
          if (s?.state === PeerState.PEER_STATE_OFFLINE && !majoritySaw.has(o)) {
            majoritySaw.set(o, s.sinceMs - cutAt)
          }
          const mine = await cluster.stateOf(ISOLATED, o)
          if (mine?.state === PeerState.PEER_STATE_OFFLINE && !isolatedSaw.has(o)) {
            isolatedSaw.set(o, mine.sinceMs - cutAt)
          }
        }
        return majoritySaw.size === OTHERS.length && isolatedSaw.size === OTHERS.length
      },
    )
    for (const o of OTHERS) {
      figure(
        `${cluster.name(o)} marked ${isolated} OFFLINE after ${majoritySaw.get(o)} ms; ${isolated} marked ${cluster.name(o)} OFFLINE after ${isolatedSaw.get(o)} ms`,
      )
      expect(majoritySaw.get(o)!).toBeLessThanOrEqual(offlineBoundMs)
    }

    // The monitor: evidence against the isolated node, with a quorum of observers.
    let evidence = await isolatedCluster().evidence()
    await cluster.waitUntil('quorum evidence against the isolated node', 20_000, async () => {
      evidence = await isolatedCluster().evidence()
      return evidence.some((e) => e.validator === cluster.identity(ISOLATED))
    })
    const against = evidence.filter((e) => e.validator === cluster.identity(ISOLATED))
    figure(
      `monitor evidence against ${isolated} ${Date.now() - cutAt} ms after the cut: ${against.map((e) => `${e.status}, ${e.observers.length} observers`).join('; ')}`,
    )
    expect(against[0]!.observers.length).toBeGreaterThanOrEqual(MONITOR_QUORUM)
    expect(against[0]!.observers).not.toContain(cluster.identity(ISOLATED))
    // The isolated node's view alone accuses nobody in the majority, even once it
    // has lasted past the monitor's threshold.
    const isolatedViewSince = cutAt + Math.max(...isolatedSaw.values())
    await delay(Math.max(0, isolatedViewSince + MONITOR_OFFLINE_THRESHOLD_MS + 2000 - Date.now()))
    evidence = await isolatedCluster().evidence()
    figure(
      `${isolated} has seen the majority OFFLINE for ${Date.now() - isolatedViewSince} ms (monitor threshold ${MONITOR_OFFLINE_THRESHOLD_MS} ms, quorum ${MONITOR_QUORUM})`,
    )
    const againstMajority = evidence.filter((e) => e.validator !== cluster.identity(ISOLATED))
    figure(`monitor evidence against the majority: ${againstMajority.length} records`)
    expect(againstMajority).toEqual([])

    // Heal, and everyone sees everyone CONNECTED within one refresh interval.
    const refreshMs = t.refreshSecs * 1000
    const healedAt = Date.now()
    await host.heal()
    await cluster.waitAllConnected(ALL, refreshMs + 30_000)
    // When the nodes themselves saw it (their transition times), not when the
    // polling got round to asking: on a busy machine a poll takes seconds.
    const reconnectedAt: number[] = []
    for (const o of OTHERS) {
      reconnectedAt.push((await cluster.stateOf(o, ISOLATED))!.sinceMs)
      reconnectedAt.push((await cluster.stateOf(ISOLATED, o))!.sinceMs)
    }
    const tookMs = Math.max(...reconnectedAt) - healedAt
    figure(`healed: all four CONNECTED ${tookMs} ms later (refresh interval ${refreshMs} ms)`)
    // The black-holed connections were hung up when the peer turned OFFLINE,
    // so the next probe or discovery round redials instead of waiting for TCP.
    expect(tookMs).toBeLessThanOrEqual(refreshMs + SLACK_MS)
    const after = (await isolatedCluster().evidence()).filter(
      (e) => e.validator === cluster.identity(ISOLATED),
    )
    figure(`evidence against ${isolated} after healing: ${after.map((e) => e.status).join(', ')}`)
  }, 150_000)
})
