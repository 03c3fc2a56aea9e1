/**
 * `createParaloomNode`: one libp2p node per validator, composed as
 * network.md describes. Nothing runs at construction; `start()` starts libp2p
 * and then, in order, request/response, gossip, the spam guard, discovery and
 * liveness; `stop()` stops them in reverse order and then libp2p.
 *
 * Composition only: the libp2p options are in libp2p-options.ts, and what
 * liveness follows (the directory, OFFLINE hang-ups) in liveness/.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import {
  type ComponentLogger,
  type Ed25519PrivateKey,
  type Libp2p,
  type PeerId,
  TypedEventEmitter,
} from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import {
  ConfigError,
  type DirectoryChange,
  isNetworkName,
  type Logger,
  NETWORKS,
  type NetworkName,
  noopLogger,
  type ValidatorDirectory,
} from '@paraloom/interface'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { Admission, type AdmissionMode } from './admission.js'
import {
  DEFAULT_DIAL_CONCURRENCY,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  stateSyncProtocol,
  withdrawalProofProtocol,
} from './constants.js'
import { deadlineSignal } from './deadline.js'
import { Discovery, type DiscoveryRound, type ValidatorLocation } from './discovery/discovery.js'
import { recordValidation } from './discovery/record.js'
import { Gossip, type ParaloomGossip } from './gossip/gossip.js'
import { DISCONNECT_SCORE } from './gossip/scoring.js'
import { SpamGuard } from './gossip/spam-guard.js'
import {
  privateKeyOption,
  publicKeyFromSolanaAddress,
  solanaAddressFromPeerId,
} from './identity.js'
import { libp2pOptions, type ParaloomServices } from './libp2p-options.js'
import { syncLivenessWithDirectory } from './liveness/directory-sync.js'
import { createLiveness, type Liveness, type LivenessInit } from './liveness/index.js'
import { hangUpOnOffline } from './liveness/offline-hang-up.js'
import { PingStreams } from './liveness/ping-stream.js'
import type { P2PMetrics } from './metrics.js'
import { capConnectionsPerPeer } from './peers/connection-cap.js'
import { PeerAction } from './peers/peer-action.js'
import { PeerActions, type PeerBan } from './peers/peer-actions.js'
import type { InboundLimits } from './reqresp/inbound-limiter.js'
import {
  type PeerRequests,
  type RequestHandlers,
  RequestProtocols,
  reqRespComponents,
} from './reqresp/index.js'
import { STREAM_DEADLINE_GRACE_MS } from './reqresp/protocol.js'
import { resolvePeerTarget } from './reqresp/target.js'
import { coalesceWritesOnOpen } from './transport/coalesce-writes.js'

export type { ParaloomServices } from './libp2p-options.js'

export interface ParaloomNodeInit {
  /** Which Paraloom network; it names every protocol and topic. */
  network: NetworkName
  /**
   * The validator identity: a Solana keypair (64 bytes `seed || pubkey`, as in
   * a keypair file), its 32-byte seed, or a key from `identityFromSolanaKeypair`.
   */
  privateKey: Ed25519PrivateKey | Uint8Array
  /** Multiaddrs to listen on, e.g. `/ip4/0.0.0.0/tcp/9001`. */
  listen: string[]
  /** Multiaddrs to announce (and put in the DHT record) instead of the listen addresses. */
  announce?: string[]
  /** The registry: seed peers, admission set and its changes. */
  directory: ValidatorDirectory
  /** `validators` admits only active validators and `allow`; `open` admits anyone. @default 'validators' */
  admission?: AdmissionMode
  /** PeerIds or Solana addresses admitted besides the validators (monitors, observers). */
  allow?: string[]
  /** PeerIds or Solana addresses never admitted, validators included. */
  deny?: string[]
  /** Discovery refresh period, in milliseconds. @default 30000 */
  refreshIntervalMs?: number
  /** Seed dials in flight at once. @default 8 */
  dialConcurrency?: number
  /** Bound on one seed dial, in milliseconds. @default 5000 */
  dialTimeoutMs?: number
  /** Deadline of a request/response exchange (dial included) and of a DHT lookup, in milliseconds. @default 10000 */
  requestTimeoutMs?: number
  /**
   * Connections one peer may open to this node at once; one over it is
   * aborted. Stream caps are per connection, so this bounds them per peer. @default 2
   */
  maxConnectionsPerPeer?: number
  /** Inbound request/response limits, per protocol. */
  inboundLimits?: InboundLimits
  /** Answers to state-sync and withdrawal-proof requests; without one, those requests are refused. */
  handlers?: RequestHandlers
  gossip?: {
    /** Gossip score under which a peer is disconnected and banned. @default -100 */
    disconnectBelowScore?: number
    /**
     * How long a banned peer is refused, in milliseconds: banned for its
     * gossip, or for its requests (one ban store serves both). @default 600000
     */
    banDurationMs?: number
  }
  /** Liveness options (ping interval, timeout, thresholds). */
  liveness?: LivenessInit
  metrics?: P2PMetrics
  /**
   * libp2p's own metrics (connections, streams, protocol traffic), e.g.
   * `prometheusMetrics()` from `@libp2p/prometheus-metrics`.
   */
  libp2pMetrics?: Libp2pOptions['metrics']
  /**
   * Where the node's own lines go (components `paraloom:p2p:*`): discovery
   * rounds that failed, refused gossip, bans. @default noopLogger (nothing)
   */
  logger?: Logger
  /** libp2p's own logger (its internals); its `DEBUG=libp2p:*` output by default. */
  libp2pLogger?: ComponentLogger
}

export type { PeerTarget } from './reqresp/target.js'

export interface ParaloomNodeEvents {
  /** A discovery refresh round finished. */
  'discovery:round': CustomEvent<DiscoveryRound>
  /** The registry changed (after discovery applied it). */
  'directory:change': CustomEvent<DirectoryChange>
  /**
   * A peer was banned and disconnected: what it did (`reason`), when, until
   * when, and its gossip score at the time.
   */
  'peer:banned': CustomEvent<PeerBan & { score: number }>
}

export interface ParaloomNode extends TypedEventEmitter<ParaloomNodeEvents>, PeerRequests {
  readonly network: NetworkName
  readonly peerId: PeerId
  /** This validator's base58 Solana address. */
  readonly identity: string
  /** The underlying libp2p node (escape hatch). */
  readonly libp2p: Libp2p<ParaloomServices>
  readonly gossip: ParaloomGossip
  readonly liveness: Liveness
  /** Starts listening, gossip, discovery and liveness; idempotent. */
  start(): Promise<void>
  /** Stops everything; nothing keeps running afterwards. Idempotent. */
  stop(): Promise<void>
  isStarted(): boolean
  getMultiaddrs(): Multiaddr[]
  /** Peers in the Kademlia routing table. */
  routingTableSize(): number
  /** Is this peer admitted to connect right now? */
  isAdmitted(peerId: PeerId): boolean
  /** The most recent bans (a bounded list), oldest first. */
  recentBans(): PeerBan[]
  /** Resolves a validator's current addresses from its DHT record. Throws DiscoveryError. */
  findValidator(
    validator: Uint8Array | string,
    options?: { signal?: AbortSignal },
  ): Promise<ValidatorLocation>
}

const DEFAULT_BAN_DURATION_MS = 10 * 60 * 1000
const SEED_BYTES = 32
/** How long closing a banned peer's connections may take before they are aborted. */
const BAN_HANG_UP_TIMEOUT_MS = 1000

/** Creates a Paraloom node. Nothing listens or runs until `start()`. */
export async function createParaloomNode(init: ParaloomNodeInit): Promise<ParaloomNode> {
  checkInit(init)
  const privateKey = await privateKeyOption(init.privateKey)
  const admission = new Admission({
    mode: init.admission ?? 'validators',
    directory: init.directory,
    allow: init.allow,
    deny: init.deny,
  })
  const libp2p = await createLibp2p(
    libp2pOptions({
      network: init.network,
      privateKey,
      listen: init.listen,
      announce: init.announce ?? [],
      connectionGater: admission.gater(),
      records: recordValidation({ network: init.network, directory: init.directory }),
      logger: init.libp2pLogger,
      metrics: init.libp2pMetrics,
    }),
  )
  return new DefaultParaloomNode(init, libp2p, admission, privateKey)
}

function checkInit(init: ParaloomNodeInit): void {
  if (!isNetworkName(init.network)) {
    throw new ConfigError(
      { code: 'InvalidNetwork', field: 'network' },
      `"${String(init.network)}" is not one of ${NETWORKS.join(', ')}`,
    )
  }
  for (const field of ['listen', 'announce'] as const) {
    for (const text of init[field] ?? []) {
      try {
        multiaddr(text)
      } catch {
        throw new ConfigError({ code: 'InvalidMultiaddr', field }, `"${text}" is not a multiaddr`)
      }
    }
  }
  const positive = [
    'refreshIntervalMs',
    'dialConcurrency',
    'dialTimeoutMs',
    'requestTimeoutMs',
    'maxConnectionsPerPeer',
  ] as const
  for (const field of positive) {
    const value = init[field]
    if (value != null && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new ConfigError(
        { code: 'InvalidOption', field },
        `must be a positive integer, got ${value}`,
      )
    }
  }
}

class DefaultParaloomNode extends TypedEventEmitter<ParaloomNodeEvents> implements ParaloomNode {
  readonly network: NetworkName
  readonly peerId: PeerId
  readonly identity: string
  readonly gossip: Gossip
  readonly liveness: Liveness
  private readonly log: Logger
  private readonly discovery: Discovery
  private readonly spamGuard: SpamGuard
  private readonly peerActions: PeerActions
  private readonly protocols: RequestProtocols
  readonly requestStateSync: PeerRequests['requestStateSync']
  readonly requestWithdrawalProof: PeerRequests['requestWithdrawalProof']
  private readonly pingStreams: PingStreams
  /** Undoes the sign-of-life listeners of `start`. */
  private unwatchSignsOfLife?: () => void
  private unwatchDirectory?: () => void
  /** Removes the per-peer connection cap of `start`. */
  private uncapConnections?: () => void
  private stopCoalescingWrites?: () => void
  private running = false
  private transition: Promise<void> = Promise.resolve()

  constructor(
    private readonly init: ParaloomNodeInit,
    readonly libp2p: Libp2p<ParaloomServices>,
    private readonly admission: Admission,
    privateKey: Ed25519PrivateKey,
  ) {
    super()
    this.network = init.network
    this.peerId = libp2p.peerId
    this.identity = solanaAddressFromPeerId(libp2p.peerId)
    this.log = (init.logger ?? noopLogger).forComponent('paraloom:p2p')
    const services = libp2p.services
    this.peerActions = new PeerActions(
      {
        ban: (peer, durationMs) => admission.ban(peer, durationMs),
        isBanned: (peer) => admission.isBanned(peer.toString()),
        disconnect: (peer) => {
          // Graceful, so the resets already sent go out first; bounded, so the peer cannot stall it.
          libp2p
            .hangUp(peer, { signal: AbortSignal.timeout(BAN_HANG_UP_TIMEOUT_MS) })
            .catch((err: Error) => {
              this.log.debug('hang up on a banned peer failed', {
                peer: peer.toString(),
                error: err.message,
              })
              init.metrics?.backgroundFailures?.inc({ where: 'hang_up' })
            })
        },
        log: this.log.forComponent('peers'),
      },
      {
        banDurationMs: init.gossip?.banDurationMs ?? DEFAULT_BAN_DURATION_MS,
        metrics: init.metrics,
        onBan: (ban) => {
          const score = (
            services.pubsub as GossipSub & { getScore(peerId: string): number }
          ).getScore(ban.peerId.toString())
          this.safeDispatchEvent('peer:banned', { detail: { ...ban, score } })
        },
      },
    )
    this.protocols = new RequestProtocols(
      reqRespComponents(libp2p),
      {
        network: init.network,
        timeoutMs: init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        inbound: init.inboundLimits,
        handlers: init.handlers,
        metrics: init.metrics,
        onPeerAction: (peer, action, offence) => this.peerActions.apply(peer, action, offence),
      },
      // Discovery keeps the registry's and the DHT's addresses in the peer store.
      (peer) => resolvePeerTarget(peer, { peerStore: libp2p.peerStore }),
    )
    this.requestStateSync = this.protocols.requestStateSync.bind(this.protocols)
    this.requestWithdrawalProof = this.protocols.requestWithdrawalProof.bind(this.protocols)
    this.gossip = new Gossip(
      { pubsub: services.pubsub, peerId: this.peerId, log: this.log.forComponent('gossip') },
      {
        network: init.network,
        isActiveValidator: (key) => init.directory.isActiveValidator(key),
        metrics: init.metrics,
        onViolation: (peer, reason) => this.spamGuard.banForViolation(peer, reason),
        onMalformed: (peer) =>
          this.peerActions.apply(peer, PeerAction.LowToleranceError, 'malformed_gossip'),
      },
    )
    this.spamGuard = new SpamGuard(
      {
        pubsub: services.pubsub as GossipSub & { getScore(peerId: string): number },
        ban: (peer, offence) => this.peerActions.banNow(peer, offence),
        log: this.log.forComponent('spam-guard'),
      },
      { disconnectBelowScore: init.gossip?.disconnectBelowScore ?? DISCONNECT_SCORE },
    )
    const isConnected = (peer: PeerId): boolean => libp2p.getConnections(peer).length > 0
    this.discovery = new Discovery(
      {
        peerId: this.peerId,
        peerStore: libp2p.peerStore,
        dht: services.dht as unknown as ConstructorParameters<typeof Discovery>[0]['dht'],
        dial: (peer, options) => libp2p.dial(peer, options),
        hangUp: (peer) => libp2p.hangUp(peer),
        isConnected,
        isAdmitted: (peer) => admission.isAdmitted(peer),
        announceAddrs: () => libp2p.getMultiaddrs(),
        log: this.log.forComponent('discovery'),
      },
      {
        network: init.network,
        directory: init.directory,
        secretKey: privateKey.raw.subarray(0, SEED_BYTES),
        refreshIntervalMs: init.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS,
        dialConcurrency: init.dialConcurrency ?? DEFAULT_DIAL_CONCURRENCY,
        dialTimeoutMs: init.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS,
        metrics: init.metrics,
        onRound: (round) => this.safeDispatchEvent('discovery:round', { detail: round }),
        onDirectoryChange: (change) =>
          this.safeDispatchEvent('directory:change', { detail: change }),
      },
    )
    this.pingStreams = new PingStreams(
      {
        openStream: (peer, protocol, options) =>
          libp2p.dialProtocol(peer, protocol, { ...options, runOnLimitedConnection: true }),
      },
      { onLateReply: (peer, rttMs) => this.liveness.lateReply(peer, rttMs) },
    )
    this.liveness = createLiveness(
      { metrics: init.metrics, ...init.liveness },
      {
        ping: (peer, options) => this.pingStreams.ping(peer, options),
        dial: async (peer, options) => {
          await libp2p.dial(peer, options)
        },
        isConnected,
      },
    )
    const requestTimeoutMs = init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const exchangeProtocols = new Set([
      stateSyncProtocol(init.network),
      withdrawalProofProtocol(init.network),
    ])
    hangUpOnOffline(
      {
        registry: this.liveness.registry,
        connections: (peer) => libp2p.getConnections(peer),
        onCloseFailed: (peer, err) => {
          this.log.debug('hang up on an offline peer failed', {
            peer: peer.toString(),
            error: err.message,
          })
          init.metrics?.backgroundFailures?.inc({ where: 'hang_up' })
        },
      },
      {
        exchangeProtocols,
        maxWaitMs: requestTimeoutMs + STREAM_DEADLINE_GRACE_MS,
        closeTimeoutMs: BAN_HANG_UP_TIMEOUT_MS,
      },
    )
  }

  start(): Promise<void> {
    this.transition = this.transition.then(() => this.doStart())
    return this.transition
  }

  stop(): Promise<void> {
    this.transition = this.transition.then(
      () => this.doStop(),
      () => this.doStop(),
    )
    return this.transition
  }

  isStarted(): boolean {
    return this.running
  }

  getMultiaddrs(): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  routingTableSize(): number {
    return (this.libp2p.services.dht as unknown as { routingTable: { size: number } }).routingTable
      .size
  }

  isAdmitted(peerId: PeerId): boolean {
    return this.admission.isAdmitted(peerId)
  }

  recentBans(): PeerBan[] {
    return this.peerActions.recentBans()
  }

  async findValidator(
    validator: Uint8Array | string,
    options?: { signal?: AbortSignal },
  ): Promise<ValidatorLocation> {
    const publicKey =
      typeof validator === 'string' ? publicKeyFromSolanaAddress(validator) : validator
    const deadline = deadlineSignal(
      this.init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      options?.signal,
    )
    try {
      return await this.discovery.findValidator(publicKey, { signal: deadline.signal })
    } finally {
      deadline.clear()
    }
  }

  private async doStart(): Promise<void> {
    if (this.running) return
    // Set first, so a step that fails is rolled back by doStop: every part's
    // stop is a no-op when that part never started.
    this.running = true
    try {
      await this.libp2p.start()
      this.uncapConnections = capConnectionsPerPeer(
        {
          getConnections: (peer) => this.libp2p.getConnections(peer),
          addEventListener: (type, listener) => this.libp2p.addEventListener(type, listener),
          removeEventListener: (type, listener) => this.libp2p.removeEventListener(type, listener),
          log: this.log.forComponent('connection-cap'),
        },
        {
          maxPerPeer: this.init.maxConnectionsPerPeer,
          excessConnections: this.init.metrics?.excessConnections,
        },
      )
      this.stopCoalescingWrites = coalesceWritesOnOpen(this.libp2p)
      await this.protocols.start()
      this.gossip.start()
      this.spamGuard.start()
      await this.discovery.start()
      this.unwatchDirectory = syncLivenessWithDirectory(
        { directory: this.init.directory, liveness: this.liveness, log: this.log },
        this.identity,
      )
      this.liveness.start()
      this.watchSignsOfLife()
    } catch (err) {
      await this.doStop()
      throw err
    }
    this.log.debug('started', {
      network: this.network,
      listening: this.getMultiaddrs().map(String),
      identity: this.identity,
    })
  }

  private async doStop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.unwatchSignsOfLife?.()
    this.uncapConnections?.()
    this.stopCoalescingWrites?.()
    await this.liveness.stop()
    this.pingStreams.closeAll()
    this.unwatchDirectory?.()
    await this.discovery.stop()
    this.spamGuard.stop()
    this.gossip.stop()
    await this.protocols.stop()
    await this.libp2p.stop()
  }

  /**
   * Any sign of life counts: a new connection from or to a validator (it
   * started late, or restarted), or a gossip message it relayed, gets an
   * immediate probe and a clean redial backoff if liveness does not
   * already see it up, so it is CONNECTED without waiting out a backoff.
   */
  private watchSignsOfLife(): void {
    const onConnection = (evt: CustomEvent<{ remotePeer: PeerId }>): void =>
      this.liveness.sawPeer(evt.detail.remotePeer)
    const onMessage = (evt: CustomEvent<{ propagationSource: PeerId }>): void =>
      this.liveness.sawPeer(evt.detail.propagationSource)
    this.libp2p.addEventListener('connection:open', onConnection)
    this.libp2p.services.pubsub.addEventListener('gossipsub:message', onMessage)
    this.unwatchSignsOfLife = () => {
      this.libp2p.removeEventListener('connection:open', onConnection)
      this.libp2p.services.pubsub.removeEventListener('gossipsub:message', onMessage)
    }
  }
}
