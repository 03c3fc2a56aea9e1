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
  /** Request/response exchanges; labels `{ protocol, direction, outcome }`. */
  requests?: CounterHook
  /** Peers in the Kademlia routing table; labels `{}`. */
  routingTableSize?: GaugeHook
}
