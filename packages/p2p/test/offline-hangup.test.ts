// A peer that stops answering pings over a connection that stays open (what a
// network partition looks like: packets black-holed, nothing closed) is hung
// up on when it turns OFFLINE, so probes and discovery rounds redial it.
import { afterAll, describe, expect, it } from '@jest/globals'
import { PeerState } from '../src/index.js'
import { startCluster, stopAll, waitFor } from './helpers/nodes.js'

afterAll(stopAll)

const PING = '/ipfs/ping/1.0.0'

describe('a peer that goes OFFLINE', () => {
  it('has its connection hung up by the observer', async () => {
    const liveness = { pingIntervalMs: 200, pingTimeoutMs: 200, offlineAfterMissed: 3 }
    const {
      nodes: [a, b],
    } = await startCluster(2, () => ({ liveness }))
    const state = () => a!.liveness.registry.get(b!.peerId.toString())?.state
    await waitFor('b CONNECTED at a', () => state() === PeerState.CONNECTED)

    const closedAfterOffline: number[] = []
    a!.libp2p.addEventListener('connection:close', (evt) => {
      if (evt.detail.remotePeer.equals(b!.peerId) && state() === PeerState.OFFLINE) {
        closedAfterOffline.push(Date.now())
      }
    })
    // b keeps its connection but no longer answers pings: a silent handler for
    // new ping streams, and the long-lived one a probes on reset.
    await b!.libp2p.unhandle(PING)
    await b!.libp2p.handle(PING, () => {})
    for (const connection of b!.libp2p.getConnections(a!.peerId)) {
      for (const stream of connection.streams) {
        if (stream.protocol === PING) stream.abort(new Error('b stops answering'))
      }
    }
    await waitFor('b OFFLINE at a', () => state() === PeerState.OFFLINE)
    await waitFor('a hung up on b', () => closedAfterOffline.length > 0)
    expect(
      a!.liveness.registry.get(b!.peerId.toString())?.consecutiveMisses,
    ).toBeGreaterThanOrEqual(3)
  })
})
