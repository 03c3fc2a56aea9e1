import { Counter, Gauge, Registry } from 'prom-client'

/**
 * The monitor's own Prometheus metrics, on a registry of its own (served at
 * `/metrics`). Counts are counters (`_total`), levels are gauges.
 */
export function createMonitorMetrics(registry: Registry = new Registry()) {
  return {
    registry,
    events: new Counter({
      name: 'peer_monitor_events_total',
      help: 'Validated PeerEvents received, by validator address and kind (snapshot, transition, gap)',
      labelNames: ['address', 'kind'] as const,
      registers: [registry],
    }),
    duplicateTransitions: new Counter({
      name: 'peer_monitor_duplicate_transitions_total',
      help: 'Transitions received again (replays) and not stored twice',
      registers: [registry],
    }),
    streamErrors: new Counter({
      name: 'peer_monitor_stream_errors_total',
      help: 'WatchPeers streams that failed, by validator address and error code',
      labelNames: ['address', 'code'] as const,
      registers: [registry],
    }),
    watchersConnected: new Gauge({
      name: 'peer_monitor_watchers_connected',
      help: 'WatchPeers streams currently up',
      registers: [registry],
    }),
    evidenceOpen: new Gauge({
      name: 'peer_monitor_evidence_open',
      help: 'Unavailability evidence records currently open',
      registers: [registry],
    }),
    sseClients: new Gauge({
      name: 'peer_monitor_dashboard_clients',
      help: 'Dashboard pages connected to /events',
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: 'peer_monitor_store_errors_total',
      help: 'Database writes that failed',
      registers: [registry],
    }),
  }
}

export type MonitorMetrics = ReturnType<typeof createMonitorMetrics>
