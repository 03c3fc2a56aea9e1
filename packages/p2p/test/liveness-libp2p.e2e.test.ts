// Real libp2p nodes over TCP on 127.0.0.1, in this process: the liveness
// service drives a real watcher node's ping and dial.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { PeerState } from '@paraloom/interface'
import { waitFor } from '@paraloom/test-utils'
import { createLiveness, type Liveness, type PeerTransition } from '../src/liveness/index.js'
import {
  componentsFor,
  createPingNode,
  type PingNode,
  type TestKey,
  testKey,
} from './fixtures/liveness-helpers.js'

const PING_PROTOCOL = '/ipfs/ping/1.0.0'

describe('liveness over real libp2p nodes', () => {
  let watcher: PingNode
  let liveness: Liveness
  const nodes: PingNode[] = []
  const transitions: PeerTransition[] = []
  let healthy: TestKey
  let silent: TestKey

  beforeAll(async () => {
    const [w, h, s] = await Promise.all([testKey(11), testKey(12), testKey(13)])
    healthy = h
    silent = s
    watcher = await createPingNode(w.privateKey)
    const healthyNode = await createPingNode(h.privateKey)
    // Speaks the ping protocol but never echoes: the peer that never answers.
    const silentNode = await createPingNode(s.privateKey)
    await silentNode.unhandle(PING_PROTOCOL)
    await silentNode.handle(PING_PROTOCOL, () => {}, { maxInboundStreams: 64 })
    nodes.push(watcher, healthyNode, silentNode)
    for (const node of [healthyNode, silentNode]) {
      await watcher.peerStore.merge(node.peerId, { multiaddrs: node.getMultiaddrs() })
    }
    liveness = createLiveness(
      {
        // A timeout and slow threshold far above loopback RTTs, so a busy machine's
        // first dial and ping never count as misses; the interval stays short.
        pingIntervalMs: 200,
        pingTimeoutMs: 2000,
        slowRttMs: 2000,
        offlineAfterMissed: 3,
        redialBackoff: { initialMs: 100, maxMs: 400 },
      },
      componentsFor(watcher),
    )
    liveness.registry.onTransition((t) => transitions.push(t))
    liveness.setPeers([
      { peerId: h.peerId, identity: h.identity },
      { peerId: s.peerId, identity: s.identity },
    ])
    liveness.start()
  }, 20_000)

  afterAll(async () => {
    await liveness?.stop()
    await Promise.all(nodes.map((n) => n.stop()))
  })

  const of = (peer: TestKey) => transitions.filter((t) => t.peer === peer.peerId.toString())

  it('dials a peer it is not connected to and marks it CONNECTED from its first reply', async () => {
    const first = await waitFor('healthy CONNECTED', () => of(healthy)[0], 15_000)
    expect(first).toMatchObject({
      validator: healthy.identity,
      from: PeerState.UNKNOWN,
      to: PeerState.CONNECTED,
      reason: 'reply',
    })
    expect(first.rttMs).toBeGreaterThanOrEqual(0)
    expect(watcher.getConnections(healthy.peerId).length).toBeGreaterThan(0)
  }, 20_000)

  it('a connected peer that never echoes goes OFFLINE on timeouts, while its connection stays', async () => {
    const offline = await waitFor('silent OFFLINE', () => of(silent)[0], 15_000)
    expect(offline).toMatchObject({
      from: PeerState.UNKNOWN,
      to: PeerState.OFFLINE,
      consecutiveMisses: 3,
      reason: 'timeout',
    })
    // no connection monitor tears the connection down behind the registry's back
    expect(watcher.getConnections(silent.peerId).length).toBeGreaterThan(0)
  }, 20_000)

  it('a stopped node goes OFFLINE after exactly N misses, from CONNECTED', async () => {
    const healthyNode = nodes[1]!
    await healthyNode.stop()
    const offline = await waitFor(
      'healthy OFFLINE',
      () => of(healthy).find((t) => t.to === PeerState.OFFLINE),
      15_000,
    )
    expect(offline.consecutiveMisses).toBe(3)
    const before = of(healthy)
      .filter((t) => t.sequence < offline.sequence)
      .at(-1)
    expect(before?.to).toBe(PeerState.CONNECTED)
    expect(['dial-failed', 'dial-backoff', 'timeout', 'ping-failed']).toContain(offline.reason)
    // the registry's sequence is monotonic across both peers
    const sequences = transitions.map((t) => t.sequence)
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b))
    expect(new Set(sequences).size).toBe(sequences.length)
  }, 20_000)
})
