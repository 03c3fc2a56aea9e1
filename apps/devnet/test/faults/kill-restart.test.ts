// Kill -9 each validator of a 4-validator devnet in turn: the others mark it
// OFFLINE within ping_interval × N + timeout (+1 s); restarted with the same
// keypair it is CONNECTED again within one ping interval plus dial time.
// Real processes on 127.0.0.1; every figure is printed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/proto'
import { FaultCluster, figure } from './helpers/cluster.js'

const N = 4
/** Slack the spec allows on the OFFLINE bound. */
const OFFLINE_SLACK_MS = 1000
/** The same slack on the CONNECTED bound: these are real processes on a shared 2-core box. */
const CONNECTED_SLACK_MS = 1000

let cluster: FaultCluster
beforeAll(async () => {
  cluster = await FaultCluster.create({ validators: N })
  await cluster.startRegistry()
  await Promise.all(Array.from({ length: N }, (_, i) => cluster.startValidator(i)))
  await cluster.waitAllConnected([0, 1, 2, 3])
}, 90_000)
afterAll(async () => {
  await cluster?.stop()
})

describe('kill -9 and restart, each validator in turn', () => {
  it('goes OFFLINE at every other validator in time, and CONNECTED again after restart', async () => {
    const t = cluster.timings
    const offlineBoundMs =
      t.pingIntervalMs * t.offlineAfterMissed + t.pingTimeoutMs + OFFLINE_SLACK_MS
    // "Dial time": a probe's dial is bounded by the probe timeout (ping_timeout_ms).
    const connectedBoundMs = t.pingIntervalMs + t.pingTimeoutMs + CONNECTED_SLACK_MS
    figure(
      `bounds: OFFLINE within ${offlineBoundMs} ms of the kill (interval ${t.pingIntervalMs} × ${t.offlineAfterMissed} + timeout ${t.pingTimeoutMs} + 1 s); CONNECTED within ${connectedBoundMs} ms of ready (interval ${t.pingIntervalMs} + dial ≤ timeout ${t.pingTimeoutMs} + 1 s)`,
    )
    for (let victim = 0; victim < N; victim++) {
      const others = [0, 1, 2, 3].filter((i) => i !== victim)
      const name = cluster.name(victim)
      const killedAt = await cluster.kill9(name)

      const offlineAfter = await cluster.waitStateEverywhere(
        others,
        victim,
        PeerState.PEER_STATE_OFFLINE,
        killedAt,
        offlineBoundMs + 10_000,
      )
      figure(
        `${name} killed: OFFLINE at ${others.map((o) => `${cluster.name(o)} after ${offlineAfter.get(o)} ms`).join(', ')}`,
      )

      const readyAt = await cluster.startValidator(victim)
      const connectedAfter = await cluster.waitStateEverywhere(
        others,
        victim,
        PeerState.PEER_STATE_CONNECTED,
        readyAt,
        connectedBoundMs + 10_000,
      )
      figure(
        `${name} restarted (ready): CONNECTED at ${others.map((o) => `${cluster.name(o)} after ${connectedAfter.get(o)} ms`).join(', ')}`,
      )

      for (const o of others) {
        expect(offlineAfter.get(o)!).toBeLessThanOrEqual(offlineBoundMs)
        expect(connectedAfter.get(o)!).toBeLessThanOrEqual(connectedBoundMs)
      }
      // And it sees the others again too before the next victim goes.
      await cluster.waitAllConnected([0, 1, 2, 3], 30_000)
    }
  }, 120_000)
})
