import { ConfigError, type Logger, noopLogger } from '@paraloom/interface'
import {
  createEvidenceEngine,
  type EvidenceEngine,
  type EvidenceRecord,
} from './engine/evidence-engine.js'
import { checkInteger, type WatchError } from './errors.js'
import { createMonitorMetrics, type MonitorMetrics } from './metrics.js'
import type { MonitorStore, PeerStatusRecord } from './store/store.js'
import type { WatchEvent } from './watch/event-check.js'
import {
  createWatcher,
  type RefreshSnapshot,
  type Watcher,
  type WatcherInit,
} from './watch/watcher.js'

/** Options of {@link createMonitor}. */
export interface MonitorInit {
  /** gRPC addresses (HOST:PORT) of the validator nodes to watch; duplicates are refused. */
  validators: readonly string[]
  /** The open database (the caller opens and closes it). */
  store: MonitorStore
  logger?: Logger
  /** Distinct observers needed for evidence. @default 2 */
  quorum?: number
  /** How long each of them must see a validator OFFLINE, in milliseconds. @default 30000 */
  offlineThresholdMs?: number
  /** How often evidence is re-evaluated when no event arrives, in milliseconds. @default 1000 */
  evaluateIntervalMs?: number
  /** Reconnect and connect-deadline tuning for every watcher. */
  watcher?: Pick<
    WatcherInit,
    'initialBackoffMs' | 'maxBackoffMs' | 'connectTimeoutMs' | 'refreshIntervalMs'
  >
  /** At most this many validators. @default 256 */
  maxValidators?: number
  metrics?: MonitorMetrics
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number
}

/** What an observer's stream is doing, for the dashboard and /healthz. */
export interface WatchStatus {
  address: string
  connected: boolean
  /** The most recent failure of this stream (kept after it reconnects), null if none yet. */
  lastError: string | null
  lastErrorAtMs: number | null
  /** Since when the stream has been down (from the start until it first connects); null while connected. */
  downSinceMs: number | null
}

export interface Monitor {
  readonly engine: EvidenceEngine
  readonly store: MonitorStore
  readonly metrics: MonitorMetrics
  readonly clock: () => number
  /** Starts every watcher and the evaluation timer (idempotent). */
  start(): void
  /** Stops watchers and timers; the store stays open. */
  stop(): Promise<void>
  status(): WatchStatus[]
  /** Calls `listener` after anything the dashboard shows may have changed. */
  onChange(listener: () => void): () => void
}

/** Closed OFFLINE intervals read back from the database at start (the engine caps them per peer too). */
const MAX_RESTORED_INTERVALS = 65_536

const toView = (p: PeerStatusRecord) => ({
  validator: p.validator,
  state: p.state,
  sinceMs: p.sinceMs,
  lastSeenMs: p.lastSeenMs,
  consecutiveMisses: p.consecutiveMisses,
})

/**
 * Ties it together: one watcher per validator address, each event written
 * to the store (one transaction) and fed to the evidence engine; evidence
 * changes are stored as they happen. On start the engine is restored from
 * the database (each observer's last view, not live until its stream
 * resumes, and the open evidence records).
 */
export function createMonitor(init: MonitorInit): Monitor {
  const { store } = init
  const logger = init.logger ?? noopLogger
  const clock = init.clock ?? Date.now
  const metrics = init.metrics ?? createMonitorMetrics()
  const evaluateIntervalMs = checkInteger(
    'evaluateIntervalMs',
    init.evaluateIntervalMs ?? 1000,
    1,
    3_600_000,
  )
  const maxValidators = checkInteger('maxValidators', init.maxValidators ?? 256, 1, 65_536)
  if (init.validators.length === 0)
    throw new ConfigError(
      { code: 'InvalidOption', field: 'validators' },
      'at least one validator address is needed',
    )
  if (init.validators.length > maxValidators) {
    throw new ConfigError(
      { code: 'InvalidOption', field: 'validators' },
      `at most ${maxValidators} validators, got ${init.validators.length}`,
    )
  }
  if (new Set(init.validators).size !== init.validators.length) {
    throw new ConfigError(
      { code: 'InvalidOption', field: 'validators' },
      'a validator address is listed twice',
    )
  }

  const engine = createEvidenceEngine({
    quorum: init.quorum,
    offlineThresholdMs: init.offlineThresholdMs,
    clock,
    restore: {
      open: store.openEvidence(),
      lastId: store.lastEvidenceId(),
      intervals: store.closedIntervals(MAX_RESTORED_INTERVALS),
      judgedUntil: store.judgedUntil(),
    },
  })
  /** address → observer identity (validator), from the stream or the database. */
  const identity = new Map<string, string>()
  const statuses = new Map<string, WatchStatus>()
  const listeners = new Set<() => void>()
  const changed = (): void => {
    for (const l of listeners) l()
  }

  for (const address of init.validators) {
    store.addObserver(address)
    statuses.set(address, {
      address,
      connected: false,
      lastError: null,
      lastErrorAtMs: null,
      downSinceMs: clock(),
    })
  }
  const byAddress = new Map<string, PeerStatusRecord[]>()
  for (const v of store.views()) byAddress.set(v.address, [...(byAddress.get(v.address) ?? []), v])
  for (const o of store.observers()) {
    if (o.validator === null || !statuses.has(o.address)) continue
    identity.set(o.address, o.validator)
    engine.replaceView(o.validator, (byAddress.get(o.address) ?? []).map(toView))
    engine.setLive(o.validator, false)
  }
  metrics.evidenceOpen.set(engine.openRecords().length)

  const saveEvidence = (records: EvidenceRecord[]): void => {
    if (records.length === 0) return
    store.saveEvidence(records)
    for (const r of records) {
      logger.warn(r.closedAtMs === null ? 'evidence open' : 'evidence closed', {
        validator: r.validator,
        offlineSinceMs: r.offlineSinceMs,
        observers: r.observers,
        missedPings: r.missedPings,
      })
    }
    metrics.evidenceOpen.set(engine.openRecords().length)
  }
  const evaluate = (): boolean => {
    try {
      const records = engine.evaluate()
      saveEvidence(records)
      return records.length > 0
    } catch (err) {
      metrics.storeErrors.inc()
      logger.error('could not store evidence', { error: err })
      return false
    }
  }

  const handle = (address: string, event: WatchEvent): void => {
    const observer = event.observer.validator
    const previous = identity.get(address)
    if (previous !== undefined && previous !== observer) engine.setLive(previous, false)
    identity.set(address, observer)
    metrics.events.inc({ address, kind: event.kind })
    switch (event.kind) {
      case 'snapshot':
        store.applySnapshot(address, event.observer, event.lastSequence, event.peers)
        engine.replaceView(observer, event.peers.map(toView))
        break
      case 'transition': {
        const t = event.transition
        // A node that restarted replays its new incarnation from sequence 1 (after a
        // "restarted" gap) instead of sending a snapshot: that history starts from an
        // empty view (every peer UNKNOWN), not from the old incarnation's view.
        if (t.sequence === 1 && store.cursor(address)?.incarnation !== event.observer.incarnation) {
          store.applySnapshot(address, event.observer, 0, [])
          engine.replaceView(observer, [])
        }
        if (!store.applyTransition(address, event.observer, t)) {
          metrics.duplicateTransitions.inc()
          return
        }
        engine.applyTransition(observer, t)
        break
      }
      case 'gap':
        store.recordGap(address, event.gap)
        engine.setLive(observer, false)
        logger.warn('history gap', { address, ...event.gap })
        break
    }
    evaluate()
    changed()
  }

  // RTTs (and last replies) between transitions, for the dashboard. The stream
  // stays the only source of states: a peer whose state differs is left alone.
  const refresh = (address: string, snapshot: RefreshSnapshot): void => {
    try {
      if (store.cursor(address)?.incarnation !== snapshot.observer.incarnation) return
      if (store.refreshViews(address, snapshot.peers) > 0) changed()
    } catch (err) {
      metrics.storeErrors.inc()
      logger.error('could not store refreshed RTTs', { address, error: err })
    }
  }

  const setStatus = (
    address: string,
    s: { connected: boolean; resumed: boolean; error?: WatchError },
  ): void => {
    const status = statuses.get(address)!
    const wasConnected = status.connected
    status.connected = s.connected
    if (s.connected) status.downSinceMs = null
    else if (wasConnected) status.downSinceMs = clock()
    if (s.error) {
      status.lastError = s.error.message
      status.lastErrorAtMs = clock()
      metrics.streamErrors.inc({ address, code: s.error.code })
    }
    const observer = identity.get(address)
    // A resumed stream replays what was missed, so its view is continuous again;
    // a fresh one becomes live with its snapshot.
    if (observer !== undefined && (!s.connected || s.resumed)) engine.setLive(observer, s.connected)
    metrics.watchersConnected.inc(s.connected === wasConnected ? 0 : s.connected ? 1 : -1)
    try {
      store.setConnected(address, s.connected, status.lastError)
    } catch (err) {
      metrics.storeErrors.inc()
      logger.error('could not store watcher status', { address, error: err })
    }
    changed()
  }

  const watchers: Watcher[] = init.validators.map((address) =>
    createWatcher({
      ...init.watcher,
      address,
      logger: logger.forComponent('watcher'),
      cursor: () => store.cursor(address),
      onEvent: (event) => handle(address, event),
      onStatus: (s) => setStatus(address, s),
      onRefresh: (snapshot) => refresh(address, snapshot),
    }),
  )
  let timer: NodeJS.Timeout | undefined

  return {
    engine,
    store,
    metrics,
    clock,
    start() {
      if (timer !== undefined) return
      timer = setInterval(() => {
        if (evaluate()) changed()
      }, evaluateIntervalMs)
      for (const w of watchers) w.start()
      logger.info('peer-monitor started', {
        validators: init.validators,
        quorum: engine.quorum,
        offlineThresholdMs: engine.offlineThresholdMs,
        db: store.file,
      })
    },
    async stop() {
      clearInterval(timer)
      timer = undefined
      await Promise.all(watchers.map((w) => w.stop()))
      listeners.clear()
    },
    status: () => [...statuses.values()].map((s) => ({ ...s })),
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
