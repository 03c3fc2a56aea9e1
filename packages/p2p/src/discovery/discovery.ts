/**
 * Kademlia discovery seeded from the registry (network.md, "Discovery"). On
 * start and then every refresh interval: add the seeds to the peer store and
 * routing table, dial the unconnected ones with bounded concurrency, refresh
 * the routing table and re-put this node's signed record (seq + 1). Registry
 * changes apply at once: a new validator is dialled, a removed one loses
 * admission and is disconnected. Stop aborts everything in flight.
 *
 * Quiet when idle: a round repeats only the work something calls for. A
 * seed's addresses go to the peer store only when they changed; the
 * routing table is refreshed through the DHT only when it lacks a seed
 * (the registry fills it directly); the record is re-put when the
 * announced addresses or the validator set changed, after a failed put, and
 * otherwise every `RECORD_REPUBLISH_MS`.
 */
import { setMaxListeners } from 'node:events'
import type { PeerId, PeerStore } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { multiaddr } from '@multiformats/multiaddr'
import { type ValidatorRecord, validatorRecordLimits } from '@paraloom/codec'
import type {
  DirectoryChange,
  Logger,
  NetworkName,
  SeedPeer,
  ValidatorDirectory,
} from '@paraloom/interface'
import { DiscoveryError } from '../errors.js'
import {
  peerIdFromPublicKeyBytes,
  publicKeyBytesFromPeerId,
  solanaAddressFromPublicKey,
} from '../identity.js'
import type { BackgroundFailure, P2PMetrics } from '../metrics.js'
import { dialAll } from './dial-pool.js'
import { checkRecord, recordKey, signRecord } from './record.js'

/** An unchanged record is re-put this often (DHT holders come and go). */
export const RECORD_REPUBLISH_MS = 10 * 60 * 1000

/** The kad-dht calls discovery uses. */
export interface DhtLike {
  put(
    key: Uint8Array,
    value: Uint8Array,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<unknown>
  get(
    key: Uint8Array,
    options?: { signal?: AbortSignal },
  ): AsyncIterable<{ name: string; value?: Uint8Array }>
  refreshRoutingTable(options?: { signal?: AbortSignal }): Promise<void>
  routingTable: {
    size: number
    add(peer: PeerId, options?: { signal?: AbortSignal }): Promise<void>
    remove(peer: PeerId, options?: { signal?: AbortSignal }): Promise<void>
    find(peer: PeerId, options?: { signal?: AbortSignal }): Promise<PeerId | undefined>
  }
}

export interface DiscoveryComponents {
  peerId: PeerId
  peerStore: Pick<PeerStore, 'merge'>
  dht: DhtLike
  dial(peer: PeerId, options: { signal: AbortSignal }): Promise<unknown>
  hangUp(peer: PeerId): Promise<void>
  isConnected(peer: PeerId): boolean
  isAdmitted(peer: PeerId): boolean
  /** The multiaddrs this node announces (they go into its record). */
  announceAddrs(): Multiaddr[]
  log: Logger
}

export interface DiscoveryInit {
  network: NetworkName
  directory: ValidatorDirectory
  /** This node's 32-byte ed25519 seed, to sign its record. */
  secretKey: Uint8Array
  refreshIntervalMs: number
  dialConcurrency: number
  dialTimeoutMs: number
  metrics?: P2PMetrics
  /** Called after each refresh round. */
  onRound?(round: DiscoveryRound): void
  /** Called when the directory changed (after discovery applied it). */
  onDirectoryChange?(change: DirectoryChange): void
}

/** What one refresh round did. */
export interface DiscoveryRound {
  /** Seeds dialled this round (those not connected). */
  dialled: number
  connected: number
  /** Whether this node's record was put into the DHT this round (false: unchanged and recent, or the put failed). */
  published: boolean
  /** Whether the routing table was refreshed through the DHT (it lacked a seed). */
  refreshed: boolean
  seq: bigint
  routingTableSize: number
}

interface ResolvedSeed {
  peerId: PeerId
  addrs: Multiaddr[]
}

/** A validator's current addresses, from its DHT record. */
export interface ValidatorLocation {
  identity: string
  peerId: PeerId
  multiaddrs: Multiaddr[]
  record: ValidatorRecord
}

export class Discovery {
  private controller?: AbortController
  private timer?: ReturnType<typeof setTimeout>
  private unsubscribe?: () => void
  private round?: Promise<void>
  /** Directory-change tasks in flight; stop waits for them. */
  private readonly pending = new Set<Promise<unknown>>()
  private seq = 0n
  /** Per seed PeerId: the addresses last merged into the peer store, to skip rewriting them. */
  private readonly merged = new Map<string, string>()
  /** What the last successful put announced, and when: an unchanged record is not re-put every round. */
  private lastPut?: { addrs: string; at: number }

  constructor(
    private readonly components: DiscoveryComponents,
    private readonly init: DiscoveryInit,
  ) {}

  /**
   * Puts the seeds' addresses in the peer store before it resolves, so the
   * liveness probes that start next can dial them (without addresses their
   * dials fail, and hold up the first round's dials behind them), then
   * starts the refresh rounds.
   */
  async start(): Promise<void> {
    if (this.controller != null) return
    const controller = new AbortController()
    this.controller = controller
    // One signal bounds every dial and peer-store call of a round: many listeners by design.
    setMaxListeners(Number.POSITIVE_INFINITY, controller.signal)
    // Clock-based so a restarted node's record still beats the ones it put before.
    this.seq = BigInt(Date.now())
    this.unsubscribe = this.init.directory.onChange((change) => this.onDirectoryChange(change))
    await this.addSeeds(this.otherSeeds(this.init.directory.seeds()), controller.signal)
    this.scheduleRound(0)
  }

  async stop(): Promise<void> {
    if (this.controller == null) return
    this.controller.abort(new DiscoveryError('Aborted', 'node stopping'))
    this.controller = undefined
    clearTimeout(this.timer)
    this.unsubscribe?.()
    await Promise.allSettled([this.round, ...this.pending])
    this.merged.clear()
    this.lastPut = undefined
  }

  /** Resolves a validator's current record through the DHT. Throws DiscoveryError. */
  async findValidator(
    publicKey: Uint8Array,
    options: { signal?: AbortSignal } = {},
  ): Promise<ValidatorLocation> {
    if (this.controller == null) throw new DiscoveryError('NotStarted', 'the node is not running')
    const identity = solanaAddressFromPublicKey(publicKey)
    const key = recordKey(identity)
    const check = { network: this.init.network, directory: this.init.directory }
    let best: ValidatorRecord | undefined
    try {
      for await (const event of this.components.dht.get(key, options)) {
        if (event.name !== 'VALUE' || event.value == null) continue
        try {
          const record = checkRecord(key, event.value, check)
          if (best == null || record.seq > best.seq) best = record
        } catch {
          // kad-dht validates too; a bad copy from one peer does not hide a good one
        }
      }
    } catch (err) {
      if (best == null) {
        if (options.signal?.aborted === true)
          throw new DiscoveryError('Aborted', `lookup of ${identity} aborted`, { cause: err })
        throw new DiscoveryError(
          'NotFound',
          `no valid record for ${identity}: ${(err as Error).message}`,
          {
            cause: err,
          },
        )
      }
    }
    if (best == null) throw new DiscoveryError('NotFound', `no valid record for ${identity}`)
    const peerId = peerIdFromPublicKeyBytes(best.identity)
    const multiaddrs = best.multiaddrs.flatMap((text) => {
      try {
        return [multiaddr(text)]
      } catch {
        return []
      }
    })
    await this.components.peerStore
      .merge(peerId, { multiaddrs })
      .catch(this.failed('peer_store', `storing the addresses of ${identity}`))
    return { identity, peerId, multiaddrs, record: best }
  }

  /** A catch handler for a best-effort step: logs and counts the failure, then carries on. */
  private failed(where: BackgroundFailure, what: string): (err: Error) => void {
    return (err) => {
      this.components.log.debug(`${what} failed`, { where, error: err.message })
      this.init.metrics?.backgroundFailures?.inc({ where })
    }
  }

  private scheduleRound(delayMs: number): void {
    this.timer = setTimeout(() => {
      const signal = this.controller?.signal
      if (signal == null) return
      this.round = this.runRound(signal)
        .catch((err: Error) =>
          this.components.log.warn('discovery round failed', { error: err.message }),
        )
        .finally(() => {
          if (!signal.aborted) this.scheduleRound(this.init.refreshIntervalMs)
        })
    }, delayMs)
  }

  private async runRound(signal: AbortSignal): Promise<void> {
    const seeds = this.otherSeeds(this.init.directory.seeds())
    await this.addSeeds(seeds, signal)
    const toDial = seeds.map((s) => s.peerId).filter((p) => !this.components.isConnected(p))
    const { connected } = await dialAll(toDial, this.components.dial, {
      concurrency: this.init.dialConcurrency,
      timeoutMs: this.init.dialTimeoutMs,
      signal,
    })
    if (signal.aborted) return
    const refreshed = await this.refreshIfIncomplete(seeds, signal)
    const published = this.recordDue() ? await this.publishRecord(signal) : false
    const routingTableSize = this.components.dht.routingTable.size
    this.init.metrics?.routingTableSize?.set({}, routingTableSize)
    this.init.onRound?.({
      dialled: toDial.length,
      connected,
      published,
      refreshed,
      seq: this.seq,
      routingTableSize,
    })
  }

  /** Refreshes the routing table through the DHT only when some seed is missing from it. */
  private async refreshIfIncomplete(seeds: ResolvedSeed[], signal: AbortSignal): Promise<boolean> {
    const table = this.components.dht.routingTable
    for (const seed of seeds) {
      if ((await table.find(seed.peerId, { signal }).catch(() => undefined)) == null) {
        await this.components.dht
          .refreshRoutingTable({ signal })
          .catch(this.failed('routing_table', 'refreshing the routing table'))
        return true
      }
    }
    return false
  }

  /** Is a put due: never done, failed, addresses changed, or the last one is old? */
  private recordDue(): boolean {
    const last = this.lastPut
    if (last === undefined) return true
    if (last.addrs !== this.recordAddrs().join(' ')) return true
    return Date.now() - last.at >= RECORD_REPUBLISH_MS
  }

  /** Puts this node's record with the next seq; false when no peer took it. */
  private async publishRecord(signal: AbortSignal): Promise<boolean> {
    this.seq += 1n
    const publicKey = publicKeyBytesFromPeerId(this.components.peerId)
    const multiaddrs = this.recordAddrs()
    const value = signRecord(
      {
        network: this.init.network,
        identity: publicKey,
        multiaddrs,
        seq: this.seq,
        nowMs: Date.now(),
      },
      this.init.secretKey,
    )
    try {
      for await (const _ of this.components.dht.put(
        recordKey(solanaAddressFromPublicKey(publicKey)),
        value,
        {
          signal,
        },
      )) {
        // drain the query
      }
      this.lastPut = { addrs: multiaddrs.join(' '), at: Date.now() }
      return true
    } catch (err) {
      this.components.log.debug('record put failed (retried next round)', {
        error: (err as Error).message,
      })
      return false
    }
  }

  private recordAddrs(): string[] {
    return (
      this.components
        .announceAddrs()
        .map((ma) => ma.toString())
        // The record's schema caps (wire.md): what does not fit is left out, not an encode error.
        .filter(
          (text) =>
            new TextEncoder().encode(text).length <= validatorRecordLimits.maxMultiaddrBytes,
        )
        .slice(0, validatorRecordLimits.maxMultiaddrs)
    )
  }

  /** The seeds other than this node, parsed; a seed that does not parse is skipped with a log line. */
  private otherSeeds(seeds: readonly SeedPeer[]): ResolvedSeed[] {
    const self = this.components.peerId.toString()
    return seeds.flatMap((seed) => {
      try {
        const peerId = peerIdFromPublicKeyBytes(seed.publicKey)
        if (peerId.toString() === self) return []
        return [{ peerId, addrs: seed.multiaddrs.map((a) => multiaddr(a)) }]
      } catch (err) {
        this.components.log.debug('skipping seed', {
          validator: seed.identity,
          error: (err as Error).message,
        })
        return []
      }
    })
  }

  /**
   * Puts the seeds' addresses in the peer store (only those that changed)
   * and adds the connected seeds missing from the routing table, at once.
   * An unconnected seed is not added here: kad-dht pings every new contact
   * before adding it, which would dial it, one seed after another; the dials
   * that follow connect it, and kad-dht adds every connected peer itself.
   */
  private async addSeeds(seeds: ResolvedSeed[], signal: AbortSignal): Promise<void> {
    const table = this.components.dht.routingTable
    const adds: Promise<void>[] = []
    for (const seed of seeds) {
      if (signal.aborted) return
      const key = seed.peerId.toString()
      const addrs = seed.addrs.map((a) => a.toString()).join(' ')
      if (this.merged.get(key) !== addrs) {
        await this.components.peerStore
          .merge(seed.peerId, { multiaddrs: seed.addrs }, { signal })
          .then(() => this.merged.set(key, addrs))
          .catch(this.failed('peer_store', `storing the addresses of seed ${key}`))
      }
      if (!this.components.isConnected(seed.peerId)) continue
      // A failed lookup counts as found: the add below would most likely fail too.
      if ((await table.find(seed.peerId, { signal }).catch(() => seed.peerId)) == null) {
        adds.push(
          table
            .add(seed.peerId, { signal })
            .catch(this.failed('routing_table', `adding seed ${key}`)),
        )
      }
    }
    await Promise.all(adds)
  }

  private onDirectoryChange(change: DirectoryChange): void {
    const signal = this.controller?.signal
    if (signal == null) return
    // A changed validator set changes who should hold this node's record.
    this.lastPut = undefined
    for (const removed of change.removed) {
      const peerId = peerIdFromPublicKeyBytes(removed.publicKey)
      this.merged.delete(peerId.toString())
      if (this.components.isAdmitted(peerId)) continue
      const who = `removed validator ${peerId.toString()}`
      this.components.dht.routingTable
        .remove(peerId)
        .catch(this.failed('routing_table', `dropping ${who}`))
      this.components.hangUp(peerId).catch(this.failed('hang_up', `hanging up on ${who}`))
    }
    const fresh = this.otherSeeds([...change.added, ...change.updated])
    const task = this.addSeeds(fresh, signal)
      .then(() =>
        dialAll(
          fresh.map((s) => s.peerId).filter((p) => !this.components.isConnected(p)),
          this.components.dial,
          { concurrency: this.init.dialConcurrency, timeoutMs: this.init.dialTimeoutMs, signal },
        ),
      )
      .catch((err: Error) =>
        this.components.log.debug('applying a directory change failed', { error: err.message }),
      )
      .finally(() => this.pending.delete(task))
    this.pending.add(task)
    this.init.onDirectoryChange?.(change)
  }
}
