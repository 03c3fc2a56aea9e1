import {
  type ClientReadableStream,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js'
import { backoffDelayMs, type Logger } from '@paraloom/interface'
import {
  type ListPeersResponse,
  type PeerEvent,
  PeerMonitorClient,
  type WatchPeersRequest,
} from '@paraloom/proto'
import { checkInteger, WatchError } from '../errors.js'
import type { Cursor } from '../store/store.js'
import { checkEvent, defaultEventLimits, type EventLimits, type WatchEvent } from './event-check.js'

/** Options of {@link createWatcher}. */
export interface WatcherInit {
  /** The node's gRPC address, HOST:PORT. */
  address: string
  /** Where to resume: read at every (re)connect (the store's cursor). */
  cursor: () => Cursor | null
  /**
   * Handles one validated event, synchronously (a SQLite write and the
   * engine): nothing is queued in memory. A throw ends the stream as a
   * failure and the watcher reconnects, resuming from the stored cursor.
   */
  onEvent: (event: WatchEvent) => void
  /** The stream came up (resumed or fresh) or went down (with why). */
  onStatus: (status: { connected: boolean; resumed: boolean; error?: WatchError }) => void
  /**
   * A checked ListPeers answer, asked every `refreshIntervalMs` while the
   * stream is open: RTTs change without a transition, so the stream alone
   * leaves them as they were at the peer's last state change.
   */
  onRefresh?: (snapshot: RefreshSnapshot) => void
  /**
   * How often ListPeers is asked while the stream is open, in milliseconds
   * (one call at a time, each with the connect deadline); 0: never.
   *
   * @default 5000
   */
  refreshIntervalMs?: number
  logger: Logger
  /** First reconnect delay, in milliseconds; doubles per failure (with jitter). @default 500 */
  initialBackoffMs?: number
  /** Longest reconnect delay, in milliseconds. @default 30000 */
  maxBackoffMs?: number
  /** How long a connection attempt may take before it counts as unreachable, in milliseconds. @default 5000 */
  connectTimeoutMs?: number
  limits?: EventLimits
  /** Jitter source in [0, 1). @default Math.random */
  random?: () => number
}

/** A ListPeers answer after the same checks as a WatchPeers snapshot. */
export type RefreshSnapshot = Extract<WatchEvent, { kind: 'snapshot' }>

export interface Watcher {
  readonly address: string
  /** Starts watching (idempotent); reconnects until stopped. */
  start(): void
  /** Cancels the stream and any pending reconnect (idempotent). */
  stop(): Promise<void>
}

/**
 * One WatchPeers stream to one node, reconnecting with exponential backoff
 * and resuming from the stored cursor. Sequence checks per stream: a
 * transition from an incarnation the stream never announced, or a sequence
 * that jumps without a HistoryGap, is a protocol error; the watcher records
 * nothing for it and reconnects asking for a fresh snapshot, so history is
 * never papered over. After a "restarted" gap, the node's new incarnation
 * may follow from sequence 1 instead of a snapshot.
 */
export function createWatcher(init: WatcherInit): Watcher {
  const { address, logger } = init
  const initialBackoffMs = checkInteger(
    'initialBackoffMs',
    init.initialBackoffMs ?? 500,
    1,
    3_600_000,
  )
  const maxBackoffMs = checkInteger(
    'maxBackoffMs',
    init.maxBackoffMs ?? 30_000,
    initialBackoffMs,
    3_600_000,
  )
  const connectTimeoutMs = checkInteger(
    'connectTimeoutMs',
    init.connectTimeoutMs ?? 5000,
    1,
    600_000,
  )
  const refreshIntervalMs = checkInteger(
    'refreshIntervalMs',
    init.refreshIntervalMs ?? 5000,
    0,
    3_600_000,
  )
  const limits = init.limits ?? defaultEventLimits
  const random = init.random ?? Math.random
  /** Every line names the validator watched. */
  const at = { validatorAddress: address }

  let running = false
  let client: PeerMonitorClient | undefined
  let call: ClientReadableStream<PeerEvent> | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let refreshTimer: NodeJS.Timeout | undefined
  let failures = 0
  /** After a protocol error, the next stream starts without a cursor (a fresh snapshot). */
  let wantSnapshot = false

  const teardown = (): void => {
    clearTimeout(refreshTimer)
    refreshTimer = undefined
    call?.removeAllListeners()
    call?.on('error', () => {}) // a cancel reports CANCELLED; nobody is listening any more
    call?.cancel()
    call = undefined
    client?.close()
    client = undefined
  }

  const fail = (error: WatchError): void => {
    teardown()
    init.onStatus({ connected: false, resumed: false, error })
    if (!running) return
    const retryInMs = backoffDelayMs(failures, {
      initialMs: initialBackoffMs,
      maxMs: maxBackoffMs,
      random,
    })
    failures++
    logger.warn('watch stream failed', { ...at, code: error.code, error: error.message, retryInMs })
    retryTimer = setTimeout(connect, retryInMs)
  }

  const connect = (): void => {
    retryTimer = undefined
    if (!running) return
    const c = new PeerMonitorClient(address, credentials.createInsecure())
    client = c
    c.waitForReady(Date.now() + connectTimeoutMs, (err) => {
      if (client !== c || !running) return
      if (err) {
        fail(
          new WatchError(
            'Unreachable',
            address,
            `not reachable as a gRPC server within ${connectTimeoutMs} ms (${err.message})`,
          ),
        )
        return
      }
      openStream(c)
    })
  }

  const scheduleRefresh = (c: PeerMonitorClient): void => {
    if (refreshIntervalMs === 0 || init.onRefresh === undefined) return
    refreshTimer = setTimeout(() => refresh(c), refreshIntervalMs)
  }
  // The next ListPeers is scheduled only once this one has answered or timed out.
  const refresh = (c: PeerMonitorClient): void => {
    refreshTimer = undefined
    c.listPeers({}, new Metadata(), { deadline: Date.now() + connectTimeoutMs }, (err, res) => {
      if (client !== c) return // torn down meanwhile
      if (err) logger.debug('ListPeers failed', { ...at, error: err.message })
      else {
        try {
          init.onRefresh?.(checkRefresh(res))
        } catch (e) {
          logger.warn('ListPeers answer ignored', {
            ...at,
            error: e instanceof Error ? e.message : e,
          })
        }
      }
      scheduleRefresh(c)
    })
  }
  const checkRefresh = (res: ListPeersResponse): RefreshSnapshot => {
    const { observer, lastSequence, peers, atMs } = res
    const event = {
      observer,
      event: { $case: 'snapshot' as const, value: { lastSequence, peers, atMs } },
    }
    return checkEvent(address, event, limits) as RefreshSnapshot
  }

  const openStream = (c: PeerMonitorClient): void => {
    const cursor = wantSnapshot ? null : init.cursor()
    wantSnapshot = false
    const request: WatchPeersRequest =
      cursor === null
        ? { incarnation: '' }
        : { afterSequence: BigInt(cursor.lastSequence), incarnation: cursor.incarnation }
    // Per-stream protocol state: the incarnation and the next sequence expected.
    let incarnation = cursor?.incarnation
    let next = cursor === null ? undefined : cursor.lastSequence + 1
    let awaitingSnapshot = cursor === null
    /** The incarnation a "restarted" gap announced: it may replay from sequence 1 instead of a snapshot. */
    let restartedInto: string | undefined

    const s = c.watchPeers(request)
    call = s
    scheduleRefresh(c)
    init.onStatus({ connected: true, resumed: cursor !== null })
    logger.info('watching', {
      ...at,
      resumeAfter: cursor?.lastSequence,
      incarnation: cursor?.incarnation,
    })

    const sequenceCheck = (event: WatchEvent): void => {
      if (event.kind === 'gap') {
        awaitingSnapshot = true
        restartedInto = event.gap.reason === 'restarted' ? event.observer.incarnation : undefined
        return
      }
      if (event.kind === 'snapshot') {
        awaitingSnapshot = false
        incarnation = event.observer.incarnation
        next = event.lastSequence + 1
        return
      }
      const seq = event.transition.sequence
      if (awaitingSnapshot && seq === 1 && event.observer.incarnation === restartedInto) {
        // The whole new incarnation, from its start: nothing of it is missing.
        awaitingSnapshot = false
        incarnation = restartedInto
        next = 1
      }
      if (awaitingSnapshot || event.observer.incarnation !== incarnation) {
        throw new WatchError(
          'Protocol',
          address,
          `transition ${seq} of incarnation ${event.observer.incarnation} arrived without a snapshot of it`,
        )
      }
      if (next !== undefined && seq > next) {
        throw new WatchError(
          'Protocol',
          address,
          `sequence jumped from ${next - 1} to ${seq} without a HistoryGap`,
        )
      }
      next = Math.max(next ?? 0, seq + 1)
    }

    s.on('data', (raw: PeerEvent) => {
      if (call !== s) return
      try {
        const event = checkEvent(address, raw, limits)
        sequenceCheck(event)
        init.onEvent(event)
        failures = 0
      } catch (err) {
        if (err instanceof WatchError && err.code === 'Protocol') wantSnapshot = true
        fail(
          err instanceof WatchError
            ? err
            : new WatchError('StreamFailed', address, `could not store an event: ${String(err)}`, {
                cause: err,
              }),
        )
      }
    })
    s.on('error', (err: ServiceError) => {
      if (call !== s) return
      const detail = `${status[err.code] ?? err.code}: ${err.details || err.message}`
      fail(new WatchError('StreamFailed', address, `stream failed (${detail})`, { cause: err }))
    })
    s.on('end', () => {
      if (call !== s) return
      fail(new WatchError('StreamEnded', address, 'the node ended the stream'))
    })
  }

  return {
    address,
    start() {
      if (running) return
      running = true
      connect()
    },
    async stop() {
      if (!running) return
      running = false
      clearTimeout(retryTimer)
      retryTimer = undefined
      teardown()
    },
  }
}
