/**
 * The libp2p options of a Paraloom node (network.md): TCP + Noise + Yamux,
 * the admission gater, the connection manager's limits and the services
 * (identify, ping, Kademlia, gossipsub). Only configuration lives here; the
 * node (node.ts) composes its components over the libp2p instance.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import { identify } from '@libp2p/identify'
import type { ComponentLogger, ConnectionGater, Ed25519PrivateKey } from '@libp2p/interface'
import { type KadDHT, kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import type { Ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { NetworkName } from '@paraloom/interface'
import type { Libp2pOptions } from 'libp2p'
import {
  GOSSIP_KINDS,
  GOSSIPSUB_MAX_INBOUND_DATA_LENGTH,
  gossipTopic,
  kadProtocol,
  VALIDATOR_RECORD_NAMESPACE,
} from './constants.js'
import type { recordValidation } from './discovery/record.js'
import { SCORE_THRESHOLDS, scoreParams } from './gossip/scoring.js'
import { messageIdFn } from './gossip/topics.js'
import { pingService } from './ping-service.js'

/** The libp2p services of a Paraloom node. */
export interface ParaloomServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
}

/** What {@link libp2pOptions} needs: the node's identity, addresses and policies. */
export interface Libp2pOptionsInit {
  network: NetworkName
  privateKey: Ed25519PrivateKey
  listen: string[]
  announce: string[]
  /** The admission policy's gater. */
  connectionGater: ConnectionGater
  /** The DHT record validator and selector of validator records. */
  records: ReturnType<typeof recordValidation>
  logger?: ComponentLogger
  metrics?: Libp2pOptions['metrics']
}

/** Inbound streams one connection may hold at once, all protocols together. */
const MAX_INBOUND_STREAMS_PER_CONNECTION = 256

/** The options of `createLibp2p` for a Paraloom node; it is created stopped. */
export function libp2pOptions(init: Libp2pOptionsInit): Libp2pOptions<ParaloomServices> {
  const topics = GOSSIP_KINDS.map((k) => gossipTopic(init.network, k))
  return {
    start: false,
    privateKey: init.privateKey,
    addresses: { listen: init.listen, announce: init.announce },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    // Every protocol caps its own inbound streams far below this; the muxer's
    // cap (1000 by default) bounds the streams still negotiating a protocol.
    streamMuxers: [yamux({ maxInboundStreams: MAX_INBOUND_STREAMS_PER_CONNECTION })],
    connectionGater: init.connectionGater,
    // The liveness scheduler replaces it: libp2p's monitor aborts a connection on one failed ping.
    connectionMonitor: { enabled: false },
    // Validators all dial each other at start, and on a devnet they all share
    // one IP: libp2p's defaults (5 new inbound connections per second per
    // host, 10 pending) refuse most of them. The gater admits only
    // validators, so the per-host rate limit buys nothing here.
    connectionManager: { inboundConnectionThreshold: 100, maxIncomingPendingConnections: 100 },
    logger: init.logger,
    metrics: init.metrics,
    services: {
      identify: identify(),
      ping: pingService(),
      dht: kadDHT({
        protocol: kadProtocol(init.network),
        clientMode: false,
        // The default mapper drops private and loopback addresses, which breaks a local devnet.
        peerInfoMapper: passthroughMapper,
        initialQuerySelfInterval: 0,
        validators: { [VALIDATOR_RECORD_NAMESPACE]: init.records.validate },
        selectors: { [VALIDATOR_RECORD_NAMESPACE]: init.records.select },
      }),
      pubsub: gossipsub({
        // Payloads carry their author's signature, checked once per message id by the
        // topic validator: a gossip-level signature would double the verifies (network.md).
        globalSignaturePolicy: StrictNoSign,
        // Over the largest topic cap: one RPC over this limit silently cuts the link.
        maxInboundDataLength: GOSSIPSUB_MAX_INBOUND_DATA_LENGTH,
        fallbackToFloodsub: false,
        // Encode a published message once for all its recipients, not once per peer.
        batchPublish: true,
        allowedTopics: topics,
        // Content hashes: the same signed bytes are one message whoever relays them.
        msgIdFn: messageIdFn,
        scoreParams: scoreParams(topics),
        scoreThresholds: SCORE_THRESHOLDS,
      }),
    },
  }
}
