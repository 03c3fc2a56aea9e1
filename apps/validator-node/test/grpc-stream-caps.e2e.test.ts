// Stream caps that one client cannot exhaust for the others: the shared cap
// logic on its own, then WatchPeers (real PeerRegistry) and Subscribe (real
// p2p node) over a real gRPC server, each with a client that holds every
// stream it can while a second client still gets its stream.

import { type ChannelOptions, credentials, type ServiceError, status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { noopLogger } from '@paraloom/interface'
import {
  createParaloomNode,
  createPeerRegistry,
  type ParaloomNode,
  StaticDirectory,
} from '@paraloom/p2p'
import { GossipClient, GossipService, PeerMonitorClient, PeerMonitorService } from '@paraloom/proto'
import { createGossipService } from '../src/grpc/gossip.js'
import { createPeerMonitorService } from '../src/grpc/peer-monitor.js'
import { type GrpcServerHandle, startGrpcServer } from '../src/grpc/server.js'
import { createStreamCaps, hostOfPeer } from '../src/grpc/stream-caps.js'
import { generateKeypair } from '../src/keypair.js'

// Real servers and a real p2p node on a shared, loaded machine: generous bounds.
jest.setTimeout(60_000)

const caps = { maxStreamsPerClient: 3, reservedStreams: 2 }
const MAX = 8

describe('createStreamCaps', () => {
  const acquire = (c: ReturnType<typeof createStreamCaps>, peer: string) => {
    const r = c.acquire(peer)
    return typeof r === 'function' ? r : r.details
  }

  it('caps each client connection, keeps a reserve for newcomers and reserved clients, and gives slots back', () => {
    const c = createStreamCaps({
      noun: 'watchers',
      maxStreams: MAX,
      ...caps,
      reservedClients: ['10.0.0.9'],
    })
    const a = [1, 2, 3].map(() => acquire(c, 'ipv4:10.0.0.1:1000'))
    expect(a.every((r) => typeof r === 'function')).toBe(true)
    expect(acquire(c, 'ipv4:10.0.0.1:1000')).toBe('at most 3 watchers per client connection')
    // Another connection of the same host fills the part that is not reserved...
    for (let i = 0; i < 3; i++) expect(typeof acquire(c, 'ipv4:10.0.0.1:1001')).toBe('function')
    expect(c.open).toBe(6)
    expect(acquire(c, 'ipv4:10.0.0.1:1001')).toMatch(/at most 3 watchers per client connection/)
    const third = acquire(c, 'ipv4:10.0.0.1:1002')
    expect(typeof third).toBe('function') // a newcomer takes a reserved slot
    expect(acquire(c, 'ipv4:10.0.0.1:1002')).toMatch(/kept for other clients/)
    // ...and a reserved client may take the rest.
    expect(typeof acquire(c, 'ipv4:10.0.0.9:2000')).toBe('function')
    expect(acquire(c, 'ipv4:10.0.0.7:3000')).toBe('at most 8 watchers')
    ;(a[0] as () => void)()
    ;(a[0] as () => void)() // idempotent
    expect(c.open).toBe(7)
    expect(typeof acquire(c, 'ipv4:10.0.0.7:3000')).toBe('function')
  })

  it.each([
    ['ipv4:127.0.0.1:5000', '127.0.0.1'],
    ['ipv6:[::1]:5000', '::1'],
    ['10.1.2.3:80', '10.1.2.3'],
    ['unix:/tmp/sock', 'unix:/tmp/sock'],
  ])('finds the host of %s', (peer, host) => {
    expect(hostOfPeer(peer)).toBe(host)
  })

  it('refuses a reserved client that is not an IP address', () => {
    expect(() => createStreamCaps({ noun: 'x', reservedClients: ['monitor:1'] })).toThrow(
      /not an IP address/,
    )
  })
})

// grpc-js shares one connection between clients of the same target unless told not to:
// each client here stands for its own process.
const ownConnection: ChannelOptions = { 'grpc.use_local_subchannel_pool': 1 }

/** Resolves 'open' once the server accepted the stream (headers or data), or the error that refused it. */
function opened(stream: NodeJS.EventEmitter): Promise<'open' | ServiceError> {
  return new Promise((resolve) => {
    stream.once('metadata', () => resolve('open'))
    stream.once('data', () => resolve('open'))
    stream.once('error', resolve)
  })
}

/** Opens streams from one client until one is refused; returns the open ones and the refusal. */
async function holdEverything(open: () => NodeJS.EventEmitter & { cancel(): void }) {
  const held: Array<{ cancel(): void }> = []
  for (let i = 0; i <= MAX; i++) {
    const s = open()
    s.on('error', () => {})
    const r = await opened(s)
    if (r !== 'open') return { held, refusal: r }
    held.push(s)
  }
  throw new Error('never refused')
}

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('WatchPeers: one client holding every stream it can', () => {
  it('leaves a stream for a second client', async () => {
    const registry = createPeerRegistry({ slowRttMs: 100, offlineAfterMissed: 1 })
    const observer = { peerId: 'p', validator: 'V', incarnation: 'i1', network: 'localnet' }
    const service = createPeerMonitorService({
      registry,
      observer,
      logger: noopLogger,
      maxWatchers: MAX,
      clientCaps: caps,
    })
    const server = await startGrpcServer('127.0.0.1:0', [
      { definition: PeerMonitorService, implementation: service.implementation },
    ])
    const address = `127.0.0.1:${server.port}`
    const greedy = new PeerMonitorClient(address, credentials.createInsecure(), ownConnection)
    const other = new PeerMonitorClient(address, credentials.createInsecure(), ownConnection)
    cleanups.push(async () => {
      greedy.close()
      other.close()
      service.close()
      await server.stop(500)
    })
    const { held, refusal } = await holdEverything(() => greedy.watchPeers({ incarnation: '' }))
    expect(held).toHaveLength(3)
    expect(refusal).toMatchObject({ code: status.RESOURCE_EXHAUSTED })
    expect(refusal.details).toMatch(/per client connection/)
    const second = other.watchPeers({ incarnation: '' })
    expect(await opened(second)).toBe('open')
    // A slot given back is usable again by the first client.
    held.shift()!.cancel()
    for (;;) {
      const s = greedy.watchPeers({ incarnation: '' })
      s.on('error', () => {})
      if ((await opened(s)) !== 'open') continue // the cancel has not reached the server yet
      held.push(s)
      break
    }
    expect(held).toHaveLength(3)
    for (const s of [...held, second]) s.cancel()
  })
})

describe('Subscribe: one client holding every stream it can', () => {
  let node: ParaloomNode
  let server: GrpcServerHandle
  beforeAll(async () => {
    node = await createParaloomNode({
      network: 'localnet',
      privateKey: generateKeypair().secretKey,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      directory: new StaticDirectory(),
    })
    await node.start()
    const service = createGossipService({
      gossip: node.gossip,
      maxSubscribers: MAX,
      clientCaps: caps,
    })
    server = await startGrpcServer('127.0.0.1:0', [
      { definition: GossipService, implementation: service.implementation },
    ])
    cleanups.push(async () => {
      service.close()
      await server.stop(500)
      await node.stop()
    })
  })

  it('leaves a stream for a second client', async () => {
    const address = `127.0.0.1:${server.port}`
    const greedy = new GossipClient(address, credentials.createInsecure(), ownConnection)
    const other = new GossipClient(address, credentials.createInsecure(), ownConnection)
    cleanups.push(() => {
      greedy.close()
      other.close()
    })
    const { held, refusal } = await holdEverything(() => greedy.subscribe({ topics: [] }))
    expect(held).toHaveLength(3)
    expect(refusal).toMatchObject({ code: status.RESOURCE_EXHAUSTED })
    expect(refusal.details).toMatch(/per client connection/)
    const second = other.subscribe({ topics: [] })
    second.on('error', () => {})
    expect(await opened(second)).toBe('open')
    for (const s of [...held, second]) s.cancel()
  })
})
