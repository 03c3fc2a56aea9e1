/**
 * Metrics hooks. The node records into these when the embedder passes them
 * and does nothing otherwise. The shapes are those of prom-client's Counter,
 * Gauge and Histogram, so an app can hand prom-client metrics straight in.
 * Each hook names its label set, so a label the node records with a value
 * outside its closed set (a reason, a result) does not compile.
 */
import type { PeerState } from '@paraloom/interface'
import type { GossipRejectReason } from './gossip/validate.js'
import type { PeerOffence } from './peers/peer-action.js'

/** Label names and values of one metric. */
export type Labels = Record<string, string>

/** No labels. */
export type NoLabels = Record<never, string>

export interface CounterHook<L extends Labels = Labels> {
  inc(labels: L, value?: number): void
}

export interface GaugeHook<L extends Labels = Labels> {
  set(labels: L, value: number): void
}

export interface HistogramHook<L extends Labels = Labels> {
  observe(labels: L, value: number): void
}

/** The `result` label of `gossipMessages`: a topic validator's verdict, or how a publish went. */
export type GossipMessageResult = 'accept' | 'reject' | 'ignore' | 'published' | 'publish_error'

export interface P2PMetrics {
  /** Known validator peers by liveness state. */
  peersByState?: GaugeHook<{ state: PeerState }>
  /** PeerRegistry transitions. */
  transitions?: CounterHook<{ from: PeerState; to: PeerState }>
  /** Ping round-trip time in milliseconds. */
  pingRttMs?: HistogramHook<NoLabels>
  /** Gossip messages by topic and result. */
  gossipMessages?: CounterHook<{ topic: string; result: GossipMessageResult }>
  /**
   * Gossip messages the topic validator rejected or ignored, by topic and
   * why: `reason` is one of GOSSIP_REJECT_REASONS, the code its log line carries too.
   */
  gossipRejections?: CounterHook<{ topic: string; reason: GossipRejectReason }>
  /**
   * Request/response exchanges; labels `{ protocol, direction, outcome }`,
   * outcome `ok` or a RequestError code (`Refused` and `RateLimited` for
   * inbound requests turned away, `Invalid` for a caller's bad request).
   */
  requests?: CounterHook<{ protocol: string; direction: string; outcome: string }>
  /** Peers banned, by what they did: `reason` is one of PEER_OFFENCES. */
  peerBans?: CounterHook<{ reason: PeerOffence }>
  /**
   * Failures the node handles itself (no caller sees them), logged and
   * counted here, by where: one of BACKGROUND_FAILURES.
   */
  backgroundFailures?: CounterHook<{ where: BackgroundFailure }>
  /** Connections aborted because their peer held more than its cap. */
  excessConnections?: CounterHook<NoLabels>
  /** Peers in the Kademlia routing table. */
  routingTableSize?: GaugeHook<NoLabels>
}

/** Where a failure that no caller sees can happen: the `where` label of `backgroundFailures`. */
export const BACKGROUND_FAILURES = [
  /** Writing a peer's addresses to the libp2p peer store. */
  'peer_store',
  /** Refreshing or editing the Kademlia routing table. */
  'routing_table',
  /** Closing the connections to a peer (removed from the registry, banned, offline). */
  'hang_up',
] as const

export type BackgroundFailure = (typeof BACKGROUND_FAILURES)[number]
