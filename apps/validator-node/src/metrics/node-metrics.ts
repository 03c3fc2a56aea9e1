import { BACKGROUND_FAILURES, type P2PMetrics, PEER_OFFENCES } from '@paraloom/p2p'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/** Ping RTT buckets in ms, around the default 500 ms slow threshold and 5 s timeout. */
const RTT_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]

/** What the registry client reports for the staleness gauges. */
export interface RegistryHealth {
  snapshotAgeMs: number | null
  consecutiveFailures: number
}

export interface NodeMetrics {
  /** Hooks handed to the p2p node. */
  p2p: P2PMetrics
  /** Hooks handed to the registry client (its `RegistryMetrics`). */
  registry: { rpcErrors: Counter; refusedSnapshots: Counter }
}

/**
 * Registers the node's Prometheus series in `registry`. `registryHealth` is
 * read at scrape time so the snapshot age is current, not as of the last event.
 */
export function createNodeMetrics(
  registry: Registry,
  registryHealth: () => RegistryHealth,
): NodeMetrics {
  const registers = [registry]
  new Gauge({
    name: 'paraloom_registry_snapshot_age_seconds',
    help: 'Age of the last good registry snapshot (-1: none yet).',
    registers,
    collect() {
      const age = registryHealth().snapshotAgeMs
      this.set(age === null ? -1 : age / 1000)
    },
  })
  new Gauge({
    name: 'paraloom_registry_rpc_consecutive_failures',
    help: 'Registry RPC rounds that failed in a row (0 when the last one succeeded).',
    registers,
    collect() {
      this.set(registryHealth().consecutiveFailures)
    },
  })
  return {
    registry: {
      rpcErrors: new Counter({
        name: 'paraloom_registry_rpc_errors_total',
        help: 'Registry RPC rounds that failed, by round (snapshot, subscription, notification).',
        labelNames: ['round'],
        registers,
      }),
      refusedSnapshots: new Counter({
        name: 'paraloom_registry_snapshots_refused_total',
        help: 'Well-formed registry snapshots refused because they contradict the registry account (the last good one stays).',
        registers,
      }),
    },
    p2p: {
      peersByState: new Gauge({
        name: 'paraloom_peers',
        help: 'Known validator peers by liveness state.',
        labelNames: ['state'],
        registers,
      }),
      transitions: new Counter({
        name: 'paraloom_peer_transitions_total',
        help: 'PeerRegistry state transitions.',
        labelNames: ['from', 'to'],
        registers,
      }),
      pingRttMs: new Histogram({
        name: 'paraloom_ping_rtt_ms',
        help: 'Ping round-trip time in milliseconds.',
        buckets: RTT_BUCKETS_MS,
        registers,
      }),
      gossipMessages: new Counter({
        name: 'paraloom_gossip_messages_total',
        help: 'Gossip messages by topic and validation result (accept, reject, ignore, published, publish_error).',
        labelNames: ['topic', 'result'],
        registers,
      }),
      gossipRejections: new Counter({
        name: 'paraloom_gossip_rejections_total',
        help: 'Gossip messages the topic validator rejected or ignored, by topic and reason (too_large, undecodable, wrong_network, unknown_signer, bad_signature, duplicate, validator_error).',
        labelNames: ['topic', 'reason'],
        registers,
      }),
      requests: new Counter({
        name: 'paraloom_requests_total',
        help: 'Request/response exchanges by protocol, direction and outcome.',
        labelNames: ['protocol', 'direction', 'outcome'],
        registers,
      }),
      excessConnections: new Counter({
        name: 'paraloom_peer_excess_connections_total',
        help: 'Inbound connections aborted because their peer already held the per-peer maximum.',
        registers,
      }),
      routingTableSize: new Gauge({
        name: 'paraloom_dht_routing_table_size',
        help: 'Peers in the Kademlia routing table.',
        registers,
      }),
      peerBans: zeroed(
        new Counter({
          name: 'paraloom_peer_bans_total',
          help: 'Peers banned, by what they did (reason).',
          labelNames: ['reason'],
          registers,
        }),
        'reason',
        PEER_OFFENCES,
      ),
      backgroundFailures: zeroed(
        new Counter({
          name: 'paraloom_p2p_background_failures_total',
          help: 'Failures the p2p node handled itself (logged, no caller to tell), by where.',
          labelNames: ['where'],
          registers,
        }),
        'where',
        BACKGROUND_FAILURES,
      ),
    },
  }
}

/** Starts every value of a closed label set at 0, so a scrape lists them all before the first event. */
function zeroed<L extends string>(
  counter: Counter<L>,
  label: L,
  values: readonly string[],
): Counter<L> {
  for (const value of values) counter.inc({ [label]: value } as Record<L, string>, 0)
  return counter
}
