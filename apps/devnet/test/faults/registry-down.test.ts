// The registry stand-in killed (-9) under a running network: the validators
// keep running on their cached snapshot; once it is back, a validator
// registered after its return is discovered by all within one refresh
// interval. Real processes on 127.0.0.1; every figure is printed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/proto'
import { fetchText, samplesOf } from '../../src/prometheus-text.js'
import { FaultCluster, figure } from './helpers/cluster.js'

const SLACK_MS = 1000

let cluster: FaultCluster
beforeAll(async () => {
  // Four identities, three in the genesis registry: the fourth joins later.
  cluster = await FaultCluster.create({ validators: 4, registered: 3 })
  await cluster.startRegistry()
  await Promise.all([0, 1, 2].map((i) => cluster.startValidator(i)))
  await cluster.waitAllConnected([0, 1, 2])
}, 90_000)
afterAll(async () => {
  await cluster?.stop()
})

const metricsUrl = (i: number): string => `http://${cluster.endpoints[i]!.metricsListen}/metrics`

async function metric(i: number, name: string): Promise<number> {
  return samplesOf(await fetchText(metricsUrl(i)), name)[0]?.value ?? Number.NaN
}

describe('registry stand-in killed', () => {
  it('nodes keep running on the cached snapshot, then discover a newcomer within one refresh', async () => {
    const refreshMs = cluster.timings.refreshSecs * 1000
    const downAt = await cluster.kill9('registry')
    figure(`registry stand-in killed; watching the validators for ${2 * refreshMs} ms`)

    // Two refresh intervals without the RPC: every validator still sees the others CONNECTED.
    while (Date.now() - downAt < 2 * refreshMs) {
      await cluster.waitAllConnected([0, 1, 2], 5000)
      await new Promise((r) => setTimeout(r, 500))
    }
    for (const i of [0, 1, 2]) {
      const failures = await metric(i, 'paraloom_registry_rpc_consecutive_failures')
      const ageS = await metric(i, 'paraloom_registry_snapshot_age_seconds')
      const health = await fetch(`http://${cluster.endpoints[i]!.metricsListen}/healthz`)
      figure(
        `${cluster.name(i)} with the RPC down ${Date.now() - downAt} ms: /healthz ${health.status}, consecutive RPC failures ${failures}, snapshot age ${ageS} s`,
      )
      expect(health.status).toBe(200)
      expect(failures).toBeGreaterThan(0)
      expect(ageS).toBeGreaterThanOrEqual(refreshMs / 1000)
    }

    // The stand-in returns (from the same genesis), then validator-4 is registered and started.
    await cluster.startRegistry()
    const newcomer = 3
    const registeredAt = Date.now()
    await cluster.rpc('paraloomDev_upsertValidator', [
      {
        identity: cluster.identity(newcomer),
        network: 'devnet',
        multiaddrs: [cluster.endpoints[newcomer]!.registered],
        stake: '1000000000',
      },
    ])
    figure(
      `registry back ${registeredAt - downAt} ms after the kill; ${cluster.name(newcomer)} registered`,
    )
    // CONNECTED needs the newcomer running: its start (seconds on a busy
    // machine) is not the observers' doing, so that clock starts at the later one.
    const readyAt = await cluster.startValidator(newcomer)
    const connectableAt = Math.max(registeredAt, readyAt)

    const listedAfter = new Map<number, number>()
    const connectedAfter = new Map<number, number>()
    await cluster.waitUntil(
      `${cluster.name(newcomer)} discovered by all`,
      refreshMs + 20_000,
      async () => {
        for (const o of [0, 1, 2]) {
          const s = await cluster.stateOf(o, newcomer)
          if (s !== undefined && !listedAfter.has(o)) listedAfter.set(o, Date.now() - registeredAt)
          if (s?.state === PeerState.PEER_STATE_CONNECTED && !connectedAfter.has(o)) {
            connectedAfter.set(o, s.sinceMs - connectableAt)
          }
        }
        return connectedAfter.size === 3
      },
    )
    for (const o of [0, 1, 2]) {
      figure(
        `${cluster.name(o)}: ${cluster.name(newcomer)} listed ${listedAfter.get(o)} ms after its registration, CONNECTED ${connectedAfter.get(o)} ms after it was both registered and ready (refresh interval ${refreshMs} ms)`,
      )
      expect(listedAfter.get(o)!).toBeLessThanOrEqual(refreshMs + SLACK_MS)
      // Listed, then dialled and answering its first ping.
      expect(connectedAfter.get(o)!).toBeLessThanOrEqual(
        refreshMs + cluster.timings.pingIntervalMs + SLACK_MS,
      )
    }
    const failuresAfter = await metric(0, 'paraloom_registry_rpc_consecutive_failures')
    figure(`validator-1 consecutive RPC failures once the registry is back: ${failuresAfter}`)
  }, 120_000)
})
