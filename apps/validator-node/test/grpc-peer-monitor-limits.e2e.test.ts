// The PeerMonitor service's own caps, against a real gRPC server and a real
// PeerRegistry driven by the test: one more watcher than allowed is refused,
// and a watcher that falls too far behind is ended with RESOURCE_EXHAUSTED
// (it resumes with after_sequence) instead of buffering without bound.

import { credentials, type ServiceError, status } from '@grpc/grpc-js'
import { afterEach, describe, expect, it } from '@jest/globals'
import { noopLogger } from '@paraloom/interface'
import { createPeerRegistry, type PeerRegistry } from '@paraloom/p2p'
import { type PeerEvent, PeerMonitorClient, PeerMonitorService, PeerState } from '@paraloom/proto'
import { sleep } from '@paraloom/test-utils'
import { createPeerMonitorService } from '../src/grpc/peer-monitor.js'
import { type GrpcServerHandle, startGrpcServer } from '../src/grpc/server.js'

const observer = {
  peerId: '12D3KooWobserver',
  validator: 'Observer1',
  incarnation: 'i1',
  network: 'localnet',
}
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function serve(limits: { maxWatchers?: number; maxQueuedEventsPerWatcher?: number }) {
  const registry: PeerRegistry = createPeerRegistry({ slowRttMs: 100, offlineAfterMissed: 1 })
  const service = createPeerMonitorService({ registry, observer, logger: noopLogger, ...limits })
  const server: GrpcServerHandle = await startGrpcServer('127.0.0.1:0', [
    { definition: PeerMonitorService, implementation: service.implementation },
  ])
  const client = new PeerMonitorClient(`127.0.0.1:${server.port}`, credentials.createInsecure())
  cleanups.push(async () => {
    client.close()
    service.close()
    await server.stop(500)
  })
  return { registry, client }
}

/** Resolves with the events a stream delivered and how it ended. */
function collect(
  stream: NodeJS.EventEmitter,
): Promise<{ events: PeerEvent[]; error?: ServiceError }> {
  const events: PeerEvent[] = []
  return new Promise((resolve) => {
    stream.on('data', (e: PeerEvent) => events.push(e))
    stream.on('error', (error: ServiceError) => resolve({ events, error }))
    stream.on('end', () => resolve({ events }))
  })
}

describe('PeerMonitor limits', () => {
  it('refuses one watcher more than maxWatchers with RESOURCE_EXHAUSTED', async () => {
    const { client } = await serve({ maxWatchers: 1 })
    const first = client.watchPeers({ incarnation: '' })
    const firstEnded = collect(first)
    await new Promise((resolve) => first.once('data', resolve)) // its snapshot
    const second = await collect(client.watchPeers({ incarnation: '' }))
    expect(second.error?.code).toBe(status.RESOURCE_EXHAUSTED)
    expect(second.error?.details).toMatch(/at most 1 watchers/)
    first.cancel()
    expect((await firstEnded).error?.code).toBe(status.CANCELLED)
  })

  it('ends a watcher that falls behind its queue cap, with a resume hint; a replay longer than the cap is not cut', async () => {
    const { registry, client } = await serve({ maxQueuedEventsPerWatcher: 8 })
    const watch = client.watchPeers({ incarnation: '' })
    const ended = collect(watch)
    await new Promise((resolve) => watch.once('data', resolve))
    // A burst in one tick: every transition is queued before any is written.
    for (let i = 0; i < 100; i++) {
      const peer = `peer-${i}`
      registry.addPeer(peer, `validator-${i}`)
      registry.recordMiss(peer, 'timeout')
    }
    const { error } = await ended
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED)
    expect(error?.details).toMatch(/resume with after_sequence/)
    // It resumes: the replay of all 100 (beyond the cap of 8) arrives whole.
    const resumed = client.watchPeers({ incarnation: 'i1', afterSequence: 0n })
    const resumedEnded = collect(resumed)
    const replayed: PeerEvent[] = []
    await new Promise<void>((resolve) =>
      resumed.on('data', (e: PeerEvent) => {
        replayed.push(e)
        if (replayed.length === 100) resolve()
      }),
    )
    expect(replayed.map((e) => e.event?.$case === 'transition' && e.event.value.sequence)).toEqual(
      Array.from({ length: 100 }, (_, i) => BigInt(i + 1)),
    )
    resumed.cancel()
    expect((await resumedEnded).error?.code).toBe(status.CANCELLED)
  })
})

describe('PeerMonitor resumes and shutdown', () => {
  it('after_sequence without its incarnation is INVALID_ARGUMENT, not a resume into another run', async () => {
    const { client } = await serve({})
    const r = await collect(client.watchPeers({ afterSequence: 0n, incarnation: '' }))
    expect(r.events).toEqual([])
    expect(r.error?.code).toBe(status.INVALID_ARGUMENT)
    expect(r.error?.details).toMatch(/after_sequence needs the incarnation/)
  })

  it('a transition carries last_seen_ms: on OFFLINE, when the peer last replied', async () => {
    const { registry, client } = await serve({})
    const watch = client.watchPeers({ incarnation: '' })
    const got = collect(watch)
    await new Promise((resolve) => watch.once('data', resolve)) // the snapshot
    registry.addPeer('peer-1', 'validator-1')
    registry.recordReply('peer-1', 5)
    const repliedAt = registry.snapshot().peers[0]!.lastSeenAt!
    registry.recordMiss('peer-1', 'timeout')
    await sleep(200)
    watch.cancel()
    const transitions = (await got).events.flatMap((e) =>
      e.event?.$case === 'transition' ? [e.event.value] : [],
    )
    expect(transitions.map((t) => [t.toState, t.lastSeenMs])).toEqual([
      [PeerState.PEER_STATE_CONNECTED, BigInt(Math.round(repliedAt))],
      [PeerState.PEER_STATE_OFFLINE, BigInt(Math.round(repliedAt))],
    ])
  })

  it('a stream ended by the node shutting down ends with UNAVAILABLE', async () => {
    const registry: PeerRegistry = createPeerRegistry({ slowRttMs: 100, offlineAfterMissed: 1 })
    const service = createPeerMonitorService({ registry, observer, logger: noopLogger })
    const server = await startGrpcServer('127.0.0.1:0', [
      { definition: PeerMonitorService, implementation: service.implementation },
    ])
    const client = new PeerMonitorClient(`127.0.0.1:${server.port}`, credentials.createInsecure())
    cleanups.push(async () => {
      client.close()
      await server.stop(500)
    })
    const stream = client.watchPeers({ incarnation: '' })
    const ended = collect(stream)
    await new Promise((resolve) => stream.once('data', resolve)) // the snapshot
    service.close()
    const r = await ended
    expect(r.error?.code).toBe(status.UNAVAILABLE)
    expect(r.error?.details).toBe('the node is shutting down')
  })
})
