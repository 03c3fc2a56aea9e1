import { type ServerWritableStream, status } from '@grpc/grpc-js'
import type { Logger } from '@paraloom/interface'
import type { PeerRegistry, PeerTransition } from '@paraloom/p2p'
import type { Observer, PeerEvent, PeerMonitorServer, WatchPeersRequest } from '@paraloom/proto'
import { toProtoSnapshot, toProtoStatus, toProtoTransition } from './convert.js'
import { type ClientStreamCaps, createStreamCaps } from './stream-caps.js'

/** The part of the PeerRegistry the service reads. */
export type PeerRegistryView = Pick<
  PeerRegistry,
  'sequence' | 'snapshot' | 'historySince' | 'onTransition'
>

export interface PeerMonitorInit {
  registry: PeerRegistryView
  observer: Observer
  logger: Logger
  clock?: () => number
  /**
   * Live events queued for one watcher that is not reading, beyond its
   * opening snapshot or replay (which the history capacity bounds). Past this
   * the stream ends with RESOURCE_EXHAUSTED and the watcher resumes with
   * `after_sequence`.
   *
   * @default 10000
   */
  maxQueuedEventsPerWatcher?: number
  /** Concurrent WatchPeers streams; one more is refused with RESOURCE_EXHAUSTED. @default 256 */
  maxWatchers?: number
  /** Caps per client connection and the reserve (see stream-caps.ts). */
  clientCaps?: ClientStreamCaps
}

/** The PeerMonitor gRPC service plus a `close()` that ends every open stream. */
export interface PeerMonitorService {
  implementation: PeerMonitorServer
  /** Ends every WatchPeers stream (server shutdown) and unsubscribes from the registry. */
  close(): void
}

type Watch = ServerWritableStream<WatchPeersRequest, PeerEvent>

/**
 * ListPeers answers from the registry's snapshot. WatchPeers sends a
 * snapshot, or replays history after the watcher's sequence, then each
 * transition. The registry emits transitions synchronously and in order, so
 * the snapshot/replay and the live subscription are taken in one tick and
 * nothing can fall between them.
 */
export function createPeerMonitorService(init: PeerMonitorInit): PeerMonitorService {
  const { registry, observer, logger, clock = Date.now } = init
  const maxQueued = init.maxQueuedEventsPerWatcher ?? 10_000
  const caps = createStreamCaps({
    noun: 'watchers',
    maxStreams: init.maxWatchers ?? 256,
    ...init.clientCaps,
  })
  /**
   * Open WatchPeers streams and, for each, how many events may wait in its
   * queue before it is cut (`maxQueued` live events on top of its opening
   * snapshot or replay, which the history capacity already bounds) and how
   * it gives back its slot.
   */
  const watchers = new Map<Watch, { allowance: number; release: () => void }>()

  const write = (call: Watch, event: Omit<PeerEvent, 'observer'>): void => {
    call.write({ observer, ...event })
  }
  const transitionEvent = (t: PeerTransition): Omit<PeerEvent, 'observer'> => ({
    event: { $case: 'transition', value: toProtoTransition(t) },
  })
  const sendSnapshot = (call: Watch): void =>
    write(call, {
      event: { $case: 'snapshot', value: toProtoSnapshot(registry.snapshot(), clock()) },
    })

  // One registry listener fans out to every watcher.
  const unsubscribe = registry.onTransition((t) => {
    for (const [call, { allowance }] of watchers) {
      if (call.writableLength >= allowance) {
        drop(
          call,
          status.RESOURCE_EXHAUSTED,
          `watcher fell ${maxQueued} events behind; resume with after_sequence`,
        )
      } else write(call, transitionEvent(t))
    }
  })

  const forget = (call: Watch): void => {
    watchers.get(call)?.release()
    watchers.delete(call)
  }
  const drop = (call: Watch, code: status, details: string): void => {
    forget(call)
    call.emit('error', { code, details })
  }

  const watchPeers = (call: Watch): void => {
    const { afterSequence, incarnation } = call.request
    if (afterSequence !== undefined && afterSequence > BigInt(Number.MAX_SAFE_INTEGER)) {
      call.emit('error', {
        code: status.INVALID_ARGUMENT,
        details: `after_sequence ${afterSequence} is out of range`,
      })
      return
    }
    // Without its incarnation a sequence could belong to any run of the node:
    // resuming it against this run would silently skip or repeat transitions.
    if (afterSequence !== undefined && incarnation === '') {
      call.emit('error', {
        code: status.INVALID_ARGUMENT,
        details:
          'after_sequence needs the incarnation it belongs to (Observer.incarnation of the stream or of ListPeers)',
      })
      return
    }
    const release = caps.acquire(call.getPeer())
    if (typeof release !== 'function') {
      call.emit('error', release)
      return
    }
    for (const event of ['cancelled', 'close', 'error']) call.on(event, () => forget(call))
    openWatch(call, afterSequence, incarnation)
    watchers.set(call, { allowance: call.writableLength + maxQueued, release })
  }

  /**
   * The opening of a watch: a snapshot, a replay, or an explicit gap then a
   * snapshot. A watcher resuming an older incarnation (this node restarted)
   * gets the "restarted" gap and then, while this incarnation's history still
   * starts at sequence 1, that whole history instead of a snapshot, so the
   * transitions it missed since the restart are not lost.
   */
  const openWatch = (call: Watch, afterSequence: bigint | undefined, incarnation: string): void => {
    if (afterSequence === undefined) {
      sendSnapshot(call)
      return
    }
    const restarted = incarnation !== '' && incarnation !== observer.incarnation
    const history = restarted ? undefined : registry.historySince(Number(afterSequence))
    if (history !== undefined && !history.gap) {
      for (const t of history.transitions) write(call, transitionEvent(t))
      return
    }
    write(call, {
      event: {
        $case: 'gap',
        value: {
          requestedAfter: afterSequence,
          requestedIncarnation: incarnation,
          oldestAvailable: BigInt(history?.oldestAvailable ?? 1),
          reason: restarted || history?.reason === 'ahead' ? 'restarted' : 'evicted',
        },
      },
    })
    const sinceStart = restarted ? registry.historySince(0) : undefined
    if (sinceStart !== undefined && !sinceStart.gap && sinceStart.transitions.length > 0) {
      for (const t of sinceStart.transitions) write(call, transitionEvent(t))
      logger.info('watcher of an earlier incarnation: replayed this one from sequence 1', {
        afterSequence,
        incarnation,
      })
      return
    }
    sendSnapshot(call)
    logger.info('watcher resumed across a history gap', { afterSequence, incarnation })
  }

  const implementation: PeerMonitorServer = {
    listPeers: (_call, callback) => {
      const snapshot = registry.snapshot()
      callback(null, {
        observer,
        lastSequence: BigInt(snapshot.sequence),
        peers: snapshot.peers.map(toProtoStatus),
        atMs: BigInt(clock()),
      })
    },
    watchPeers,
  }

  return {
    implementation,
    close() {
      unsubscribe()
      // UNAVAILABLE, not OK: the stream did not finish, the node went away; a watcher retries.
      for (const call of [...watchers.keys()])
        drop(call, status.UNAVAILABLE, 'the node is shutting down')
    },
  }
}
