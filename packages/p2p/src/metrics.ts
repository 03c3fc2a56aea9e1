/**
 * Metrics hooks. The node records into these when the embedder passes them
 * and does nothing otherwise. The shapes are those of prom-client's Counter,
 * Gauge and Histogram, so an app can hand prom-client metrics straight in.
 */

export type Labels = Record<string, string>

export interface CounterHook {
  inc(labels: Labels, value?: number): void
}

export interface GaugeHook {
  set(labels: Labels, value: number): void
}

export interface HistogramHook {
  observe(labels: Labels, value: number): void
}

export interface P2PMetrics {
  /** Known validator peers by liveness state; labels `{ state }`. */
  peersByState?: GaugeHook
  /** PeerRegistry transitions; labels `{ from, to }`. */
  transitions?: CounterHook
  /** Ping round-trip time in milliseconds; labels `{}`. */
  pingRttMs?: HistogramHook
  /** Gossip messages; labels `{ topic, result }`, result one of accept, reject, ignore, published, publish_error. */
  gossipMessages?: CounterHook
  /**
   * Request/response exchanges; labels `{ protocol, direction, outcome }`,
   * outcome `ok` or a RequestError code (`Refused` and `RateLimited` for
   * inbound requests turned away, `Invalid` for a caller's bad request).
   */
  requests?: CounterHook
  /** Peers banned; labels `{ reason }`, reason one of PEER_OFFENCES. */
  peerBans?: CounterHook
  /**
   * Failures the node handles itself (no caller sees them), logged and
   * counted here; labels `{ where }`, one of BACKGROUND_FAILURES.
   */
  backgroundFailures?: CounterHook
  /** Connections aborted because their peer held more than its cap; labels `{}`. */
  excessConnections?: CounterHook
  /** Peers in the Kademlia routing table; labels `{}`. */
  routingTableSize?: GaugeHook
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
