// A validator that starts late: the others have long marked it OFFLINE and
// backed off redialling it (the backoff doubles from 1 s), yet once it
// prints `ready:` every one of them sees it CONNECTED within two ping
// intervals: its connections to them are a sign of life that forgets the
// backoff and probes it at once. Real processes on 127.0.0.1; every figure
// is printed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/proto'
import { FaultCluster, figure } from './helpers/cluster.js'

const N = 4
const LATE = N - 1
const EARLY = [0, 1, 2]
/**
 * Redial backoff (1 s, doubling) is over this many ping intervals once the
 * late validator has failed this many dials: without the sign of life its
 * CONNECTED would wait out that backoff, well over the bound asserted here.
 */
const FAILED_DIALS_BEFORE_START = 4

let cluster: FaultCluster
beforeAll(async () => {
  cluster = await FaultCluster.create({ validators: N })
  await cluster.startRegistry()
  await Promise.all(EARLY.map((i) => cluster.startValidator(i)))
  await cluster.waitAllConnected(EARLY)
}, 90_000)
afterAll(async () => {
  await cluster?.stop()
})

describe('a validator started late', () => {
  it('is CONNECTED at every peer within 2 ping intervals of its ready line', async () => {
    const t = cluster.timings
    // Failed dials at 1, 2, 4, 8 s … apart: wait until the backoff has grown past 2 intervals.
    const backoffGrownMs = 1000 * (2 ** FAILED_DIALS_BEFORE_START - 1)
    const offlineBoundMs = t.pingIntervalMs * t.offlineAfterMissed + t.pingTimeoutMs + 10_000
    await cluster.waitStateEverywhere(EARLY, LATE, PeerState.PEER_STATE_OFFLINE, 0, offlineBoundMs)
    await new Promise((resolve) => setTimeout(resolve, backoffGrownMs))
    const boundMs = 2 * t.pingIntervalMs
    const readyAt = await cluster.startValidator(LATE)
    const connectedAfter = await cluster.waitStateEverywhere(
      EARLY,
      LATE,
      PeerState.PEER_STATE_CONNECTED,
      readyAt,
      boundMs + 20_000,
    )
    figure(
      `${cluster.name(LATE)} started ${backoffGrownMs} ms after the others marked it OFFLINE; CONNECTED at ${EARLY.map((o) => `${cluster.name(o)} ${connectedAfter.get(o)} ms after its ready line`).join(', ')} (bound 2 × ping interval = ${boundMs} ms)`,
    )
    for (const o of EARLY) expect(connectedAfter.get(o)!).toBeLessThanOrEqual(boundMs)
  }, 120_000)
})
