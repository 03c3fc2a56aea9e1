// Discovery on stub components: a DHT that counts its puts and refreshes and
// answers lookups from a list, a peer store that records merges, dials that
// connect at once unless the peer is marked unreachable. No libp2p node.
import { afterEach } from '@jest/globals'
import type { PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import {
  type DhtLike,
  Discovery,
  type DiscoveryInit,
  type DiscoveryRound,
} from '../../src/discovery/discovery.js'
import { peerIdFromPublicKeyBytes } from '../../src/identity.js'
import { StaticDirectory, seedPeer } from '../../src/index.js'
import { makeValidator } from './nodes.js'
import { stubLogger } from './stubs.js'

export function validator() {
  const v = makeValidator()
  return { ...v, peerId: peerIdFromPublicKeyBytes(v.publicKey) }
}

const REFRESH_MS = 20

export class StubDht implements DhtLike {
  puts = 0
  refreshes = 0
  failPuts = false
  /** What a lookup (`get`) finds, in order; then it throws `getError` if set. */
  values: Uint8Array[] = []
  getError: Error | undefined
  readonly table = new Set<string>()
  routingTable = {
    size: 0,
    add: async (peer: PeerId) => {
      this.table.add(peer.toString())
      this.routingTable.size = this.table.size
    },
    remove: async (peer: PeerId) => {
      this.table.delete(peer.toString())
      this.routingTable.size = this.table.size
    },
    find: async (peer: PeerId) => (this.table.has(peer.toString()) ? peer : undefined),
  }
  async *put(): AsyncIterable<unknown> {
    this.puts++
    if (this.failPuts) throw new Error('no peer took it')
    yield { name: 'PEER_RESPONSE' }
  }
  async *get(): AsyncIterable<{ name: string; value?: Uint8Array }> {
    for (const value of this.values) yield { name: 'VALUE', value }
    if (this.getError !== undefined) throw this.getError
  }
  async refreshRoutingTable(): Promise<void> {
    this.refreshes++
  }
}

const running: Discovery[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()))
})

export interface StubDiscoveryOptions {
  /** @default 4 */
  seedCount?: number
  /** Is a removed validator still admitted (the allow-list)? @default false */
  isAdmitted?: (peer: PeerId) => boolean
  init?: Partial<DiscoveryInit>
}

/** A Discovery over stubs, with every seed but itself registered; stopped after each test. */
export async function stubDiscovery(options: StubDiscoveryOptions = {}) {
  const self = validator()
  const others = Array.from({ length: options.seedCount ?? 4 }, () => validator())
  const directory = new StaticDirectory(
    [self, ...others].map((v, i) => seedPeer(v.publicKey, [`/ip4/127.0.0.1/tcp/${20_000 + i}`])),
  )
  const dht = new StubDht()
  const connected = new Set<string>()
  const unreachable = new Set<string>()
  const merges: string[] = []
  const dials: string[] = []
  const hangUps: string[] = []
  const rounds: DiscoveryRound[] = []
  let announce = '/ip4/127.0.0.1/tcp/20000'
  const discovery = new Discovery(
    {
      peerId: self.peerId,
      peerStore: {
        merge: async (peer: PeerId) => {
          merges.push(peer.toString())
          return undefined as never
        },
      },
      dht,
      dial: async (peer) => {
        dials.push(peer.toString())
        if (unreachable.has(peer.toString())) throw new Error('connection refused')
        connected.add(peer.toString())
      },
      hangUp: async (peer) => {
        hangUps.push(peer.toString())
        connected.delete(peer.toString())
      },
      isConnected: (peer) => connected.has(peer.toString()),
      isAdmitted: options.isAdmitted ?? (() => false),
      announceAddrs: () => [multiaddr(announce)],
      log: stubLogger(),
    },
    {
      network: 'localnet',
      directory,
      secretKey: self.secretKey,
      refreshIntervalMs: REFRESH_MS,
      dialConcurrency: 8,
      dialTimeoutMs: 1000,
      onRound: (r) => rounds.push(r),
      ...options.init,
    },
  )
  running.push(discovery)
  return {
    self,
    discovery,
    dht,
    directory,
    others,
    connected,
    unreachable,
    merges,
    dials,
    hangUps,
    rounds,
    setAnnounce: (a: string) => {
      announce = a
    },
  }
}
