// A peer that stops answering pings over a connection that stays open (what a
// network partition looks like: packets black-holed, nothing closed) is hung
// up on when it turns OFFLINE, so probes and discovery rounds redial it; a
// connection carrying a request is closed only once the request has ended.
import { afterAll, describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/interface'
import { waitFor } from '@paraloom/test-utils'
import type { ParaloomNode } from '../src/index.js'
import { startCluster, stopAll } from './helpers/nodes.js'

afterAll(stopAll)

const PING = '/ipfs/ping/1.0.0'
const LIVENESS = { pingIntervalMs: 200, pingTimeoutMs: 200, offlineAfterMissed: 3 }

/**
 * `b` keeps its connections to `a` but no longer answers its pings: new ping
 * streams get a handler that never replies, and the streams the old handler
 * serves are aborted, again and again until `stop()`, since one still being
 * negotiated during the swap would otherwise keep answering.
 */
async function stopAnsweringPings(b: ParaloomNode, a: ParaloomNode): Promise<{ stop(): void }> {
  const swappedAt = Date.now()
  await b.libp2p.unhandle(PING)
  await b.libp2p.handle(PING, () => {})
  const abortOldStreams = (): void => {
    for (const connection of b.libp2p.getConnections(a.peerId)) {
      for (const stream of connection.streams) {
        if (stream.protocol === PING && stream.timeline.open <= swappedAt) {
          stream.abort(new Error('b stops answering'))
        }
      }
    }
  }
  abortOldStreams()
  const timer = setInterval(abortOldStreams, 50)
  return { stop: () => clearInterval(timer) }
}

describe('a peer that goes OFFLINE', () => {
  it('has its connection hung up by the observer', async () => {
    const {
      nodes: [a, b],
    } = await startCluster(2, () => ({ liveness: LIVENESS }))
    const state = () => a!.liveness.registry.get(b!.peerId.toString())?.state
    await waitFor('b CONNECTED at a', () => state() === PeerState.CONNECTED)

    const closedAfterOffline: number[] = []
    a!.libp2p.addEventListener('connection:close', (evt) => {
      if (evt.detail.remotePeer.equals(b!.peerId) && state() === PeerState.OFFLINE) {
        closedAfterOffline.push(Date.now())
      }
    })
    const silence = await stopAnsweringPings(b!, a!)
    await waitFor('b OFFLINE at a', () => state() === PeerState.OFFLINE).finally(silence.stop)
    await waitFor('a hung up on b', () => closedAfterOffline.length > 0)
    expect(
      a!.liveness.registry.get(b!.peerId.toString())?.consecutiveMisses,
    ).toBeGreaterThanOrEqual(3)
  })

  it('closes a connection that carries a request only once the request has ended', async () => {
    const ref: { a?: ParaloomNode; b?: ParaloomNode } = {}
    const stateAtA = () => ref.a?.liveness.registry.get(ref.b!.peerId.toString())?.state
    const { nodes } = await startCluster(2, (i) => ({
      liveness: LIVENESS,
      // Roomy: on a busy machine three missed pings can take many seconds.
      requestTimeoutMs: 30_000,
      // b answers only once a has called it OFFLINE: the request spans the transition.
      handlers:
        i === 1
          ? {
              stateSync: async (req) => {
                await waitFor('a calling b OFFLINE', () => stateAtA() === PeerState.OFFLINE)
                return { tipHeight: req.fromHeight, blocks: [] }
              },
            }
          : undefined,
    }))
    const [a, b] = nodes as [ParaloomNode, ParaloomNode]
    Object.assign(ref, { a, b })
    await waitFor('b CONNECTED at a', () => stateAtA() === PeerState.CONNECTED)
    const closedAt: number[] = []
    a.libp2p.addEventListener('connection:close', (evt) => {
      if (evt.detail.remotePeer.equals(b.peerId)) closedAt.push(Date.now())
    })
    const silence = await stopAnsweringPings(b, a)
    const response = await a
      .requestStateSync(b.peerId, { network: 'Localnet', fromHeight: 4n, maxBlocks: 1 })
      .finally(silence.stop)
    const answeredAt = Date.now()
    expect(response.tipHeight).toBe(4n)
    // Then the hang-up (the probes may redial b at once, so the close is what counts).
    await waitFor('a hung up on b once the request ended', () =>
      closedAt.some((t) => t >= answeredAt),
    )
  })
})
