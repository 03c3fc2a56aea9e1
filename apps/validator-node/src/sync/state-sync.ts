/**
 * State sync in the running node: the block store filled from gossip (and
 * from this node's own proposals), persisted in the state directory when
 * configured, answering StateSyncRequest, and catching up from a connected
 * peer after start when `[sync] catch_up_on_start` is set.
 */

import { BlockProposal, type StateSyncRequest, type StateSyncResponse } from '@paraloom/codec'
import type { Logger, NetworkName } from '@paraloom/interface'
import {
  type ParaloomGossip,
  type ParaloomNode,
  type PeerRegistry,
  type PeerRequests,
  type PeerTarget,
  type RequestOptions,
  WIRE_NETWORK,
} from '@paraloom/p2p'
import type { SyncConfig } from '../config/index.js'
import { BlockLog } from './block-log.js'
import { BlockStore } from './block-store.js'
import { type CatchUpResult, catchUp } from './catch-up.js'
import { blockChecker } from './check.js'
import { answerStateSync } from './responder.js'

export interface StateSyncInit {
  config: SyncConfig
  stateDir: string
  network: NetworkName
  logger: Logger
}

/** How long catch-up on start waits for a first connected peer. */
const CATCH_UP_WAIT_FOR_PEER_MS = 60_000

export class StateSync {
  readonly store: BlockStore
  private readonly log: BlockLog | undefined
  private readonly stopping = new AbortController()
  private unsubscribe: (() => void) | undefined

  constructor(private readonly init: StateSyncInit) {
    const limits = { maxBlocks: init.config.maxBlocks, maxBytes: init.config.maxBytes }
    this.store = new BlockStore(limits)
    this.log = init.config.persist ? BlockLog.inStateDir(init.stateDir, limits) : undefined
  }

  /** Loads the persisted blocks (the state directory must exist). */
  open(): void {
    if (this.log === undefined) return
    const report = this.log.open(this.store)
    if (report.problem !== undefined) {
      this.init.logger.warn('block log: dropped a bad tail', { problem: report.problem })
    }
    // Debug: before `ready`, only the start-up lines go to stdout at info.
    this.init.logger.debug('block store loaded', {
      blocks: this.store.size,
      tipHeight: String(this.store.tipHeight()),
    })
  }

  /** Keeps an accepted block; false when it was already kept (or over the caps). */
  keep(block: BlockProposal, bytes?: Uint8Array): boolean {
    const entry = this.store.add(block, bytes)
    if (entry !== undefined) this.log?.append(entry.bytes, this.store)
    return entry !== undefined
  }

  answer(request: StateSyncRequest): StateSyncResponse {
    return answerStateSync(this.store, request)
  }

  /** `gossip`, except that blocks this node publishes are kept too (gossip does not echo them). */
  recordingPublished(gossip: ParaloomGossip): ParaloomGossip {
    return {
      publish: async (kind, value) => {
        const recipients = await gossip.publish(kind, value)
        if (kind === 'blocks') this.keep(value as BlockProposal)
        return recipients
      },
      publishEncoded: async (kind, bytes) => {
        const sent = await gossip.publishEncoded(kind, bytes)
        // Published means it decoded under the cap and passed the topic's checks.
        if (kind === 'blocks') this.keep(BlockProposal.decode(bytes), bytes)
        return sent
      },
      subscribe: (kind, handler) => gossip.subscribe(kind, handler),
      subscribers: (kind) => gossip.subscribers(kind),
      meshPeers: (kind) => gossip.meshPeers(kind),
      waitForSubscribers: (kind, options) => gossip.waitForSubscribers(kind, options),
    }
  }

  /** Once the node runs: keeps every accepted block, then catches up if configured. */
  attach(p2p: ParaloomNode, isActiveValidator: (publicKey: Uint8Array) => boolean): void {
    this.unsubscribe = p2p.gossip.subscribe('blocks', ({ value, bytes }) => {
      this.keep(value, bytes)
    })
    if (this.init.config.catchUpOnStart) {
      void this.catchUpOnStart(p2p, isActiveValidator).catch((err: unknown) => {
        if (!this.stopping.signal.aborted)
          this.init.logger.warn('state sync: catch-up failed', { error: String(err) })
      })
    }
  }

  /**
   * Fetches blocks from `peer` from `fromHeight` on, checking each before
   * keeping it. `p2p` is the running node, or a fetch-only request client.
   */
  catchUpFrom(
    p2p: Pick<PeerRequests, 'requestStateSync'>,
    peer: PeerTarget,
    fromHeight: bigint,
    isActiveValidator: (publicKey: Uint8Array) => boolean,
    options: RequestOptions = {},
  ): Promise<CatchUpResult> {
    const network = WIRE_NETWORK[this.init.network]
    const signal =
      options.signal === undefined
        ? this.stopping.signal
        : AbortSignal.any([options.signal, this.stopping.signal])
    return catchUp({
      request: (request) => p2p.requestStateSync(peer, request, { ...options, signal }),
      network,
      fromHeight,
      batchBlocks: this.init.config.catchUpBatch,
      check: blockChecker(network, isActiveValidator),
      keep: (block) => this.keep(block),
      signal,
    })
  }

  close(): void {
    this.stopping.abort()
    this.unsubscribe?.()
    this.log?.close()
  }

  /** Tries each connected peer in turn until one catch-up completes. */
  private async catchUpOnStart(
    p2p: ParaloomNode,
    isActiveValidator: (publicKey: Uint8Array) => boolean,
  ): Promise<void> {
    const { logger } = this.init
    const peers = await connectedPeers(p2p.liveness.registry, this.stopping.signal)
    const fromHeight = this.store.tipHeight() + 1n
    for (const peer of peers) {
      try {
        const result = await this.catchUpFrom(p2p, peer, fromHeight, isActiveValidator)
        logger.info('state sync: caught up', { peer, ...printable(result) })
        if (result.complete) return
      } catch (err) {
        if (this.stopping.signal.aborted) return
        logger.warn('state sync: peer failed, trying the next', { peer, error: String(err) })
      }
    }
    logger.warn('state sync: no peer completed the catch-up', { peers: peers.length })
  }
}

/** CatchUpResult with bigints as strings, for logs and CLI output. */
export function printable(result: CatchUpResult): Record<string, string | number | boolean> {
  return {
    requests: result.requests,
    kept: result.kept,
    firstHeight: String(result.firstHeight ?? ''),
    lastHeight: String(result.lastHeight ?? ''),
    peerTip: String(result.peerTip),
    complete: result.complete,
  }
}

/** The PeerIds CONNECTED now, or once the first one connects (bounded wait). */
function connectedPeers(registry: PeerRegistry, signal: AbortSignal): Promise<string[]> {
  const now = (): string[] =>
    registry
      .snapshot()
      .peers.filter((p) => p.state === 'CONNECTED')
      .map((p) => p.peer)
  const ready = now()
  if (ready.length > 0) return Promise.resolve(ready)
  return new Promise((resolve, reject) => {
    const done = (peers: string[] | Error): void => {
      clearTimeout(timer)
      stop()
      signal.removeEventListener('abort', onAbort)
      if (peers instanceof Error) reject(peers)
      else resolve(peers)
    }
    const onAbort = (): void => done(new Error('stopping'))
    const timer = setTimeout(
      () => done(new Error(`no peer connected within ${CATCH_UP_WAIT_FOR_PEER_MS} ms`)),
      CATCH_UP_WAIT_FOR_PEER_MS,
    )
    const stop = registry.onTransition((t) => {
      if (t.to === 'CONNECTED') done(now())
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
