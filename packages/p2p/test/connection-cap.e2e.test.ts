// The per-peer connection cap: a peer that opens connection after connection
// (each with its own stream allowance) holds at most the cap at once; the
// connections within the cap keep working.
import { afterAll, describe, expect, it } from '@jest/globals'
import type { Connection } from '@libp2p/interface'
import { waitFor } from '@paraloom/test-utils'
import { DEFAULT_MAX_CONNECTIONS_PER_PEER } from '../src/index.js'
import { CountingCounter, startCluster, stopAll } from './helpers/nodes.js'

afterAll(stopAll)

/** Liveness and discovery dial on their own; slowed so only the test dials. */
const QUIET = {
  refreshIntervalMs: 60_000,
  liveness: { pingIntervalMs: 60_000, pingTimeoutMs: 5000 },
}

describe('connections per peer', () => {
  it('aborts every inbound connection from one peer over the cap', async () => {
    const excess = new CountingCounter()
    const {
      nodes: [target, flooder],
    } = await startCluster(2, (i) => ({
      ...QUIET,
      ...(i === 0 ? { metrics: { excessConnections: excess } } : {}),
    }))
    const address = target!.getMultiaddrs()[0]!
    const extra = 3
    const opened: Connection[] = []
    for (let k = 0; k < DEFAULT_MAX_CONNECTIONS_PER_PEER + extra; k++) {
      opened.push(await flooder!.libp2p.dial(address, { force: true }))
    }
    const inboundAtTarget = (): number =>
      target!.libp2p
        .getConnections(flooder!.peerId)
        .filter((c) => c.direction === 'inbound' && c.status === 'open').length
    await waitFor(`${extra} excess connections counted`, () => excess.get({}) >= extra)
    await waitFor(
      `the flooder's excess connections closed at its end`,
      () => opened.filter((c) => c.status === 'open').length <= DEFAULT_MAX_CONNECTIONS_PER_PEER,
    )
    expect(inboundAtTarget()).toBeLessThanOrEqual(DEFAULT_MAX_CONNECTIONS_PER_PEER)
    // The connections within the cap still carry streams.
    await flooder!.libp2p.services.ping.ping(target!.peerId, { signal: AbortSignal.timeout(5000) })
  })

  it('refuses a cap that is not a positive integer, naming the option', async () => {
    await expect(startCluster(1, () => ({ maxConnectionsPerPeer: 0 }))).rejects.toThrow(
      /maxConnectionsPerPeer.*must be a positive integer, got 0/,
    )
  })
})
