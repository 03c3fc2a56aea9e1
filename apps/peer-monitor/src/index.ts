/**
 * @packageDocumentation
 *
 * `peer-monitor` subscribes to the `WatchPeers` gRPC stream of many Paraloom
 * validator nodes, stores every PeerRegistry transition exactly once in
 * SQLite, and turns agreement between observers into unavailability
 * evidence: a validator OFFLINE for at least `offlineThresholdMs` in the views
 * of at least `quorum` distinct live observers at once. SLOW never counts;
 * one observer alone never does. A dashboard shows the validator × observer
 * matrix live, per-validator timelines and the evidence.
 *
 * @example
 * ```ts
 * import { createHttpServer, createMonitor, openStore } from '@paraloom/peer-monitor'
 *
 * const store = openStore({ file: './monitor.db' })
 * const monitor = createMonitor({
 *   validators: ['127.0.0.1:50051', '127.0.0.1:50052', '127.0.0.1:50053'],
 *   store,
 *   quorum: 2,
 *   offlineThresholdMs: 30_000,
 * })
 * monitor.start()
 * const http = createHttpServer({ monitor, host: '127.0.0.1', port: 8080 })
 * await http.start()
 * // later
 * await http.stop()
 * await monitor.stop()
 * store.close()
 * ```
 */

export type { Logger } from '@paraloom/interface'
export { PeerState } from '@paraloom/interface'
export { buildCli, type CliIo, runCli } from './cli.js'
export {
  createEvidenceEngine,
  type EvidenceEngine,
  type EvidenceEngineInit,
  type EvidenceRecord,
  evidenceDurationMs,
  type PeerView,
  type ViewTransition,
} from './engine/evidence-engine.js'
export { StoreError, type StoreErrorCode, WatchError, type WatchErrorCode } from './errors.js'
export { humanDuration } from './format.js'
export { createHttpServer, type HttpServer, type HttpServerInit } from './http/server.js'
export type { DashboardState } from './http/state.js'
export { createMonitorMetrics, type MonitorMetrics } from './metrics.js'
export { createMonitor, type Monitor, type MonitorInit, type WatchStatus } from './monitor.js'
export { type MonitorStore, openStore, type StoreInit } from './store/store.js'
export { defaultEventLimits, type EventLimits, type WatchEvent } from './watch/event-check.js'
