import type { PeerId } from '@libp2p/interface'
import { LIVENESS_DEFAULTS } from './defaults.js'
import { checkIntegerOption, LivenessError } from './errors.js'
import { createPeerRegistry, type PeerRegistry, type PeerRegistryInit } from './peer-registry.js'
import { PeerState } from './peer-state.js'
import { RedialBackoff, type RedialBackoffInit } from './redial-backoff.js'
import { type LivenessComponents, ProbeScheduler } from './scheduler.js'

/**
 * Options of {@link createLiveness}: the registry's options (documented
 * there; its `clock` drives the probes too), plus the probe timing.
 */
export interface LivenessInit extends PeerRegistryInit {
  /**
   * Time between two probe rounds, in milliseconds. Each known peer gets at
   * most one probe per round.
   *
   * @default 5000
   */
  pingIntervalMs?: number
  /** Backoff between redials of a disconnected peer; a probe inside the wait is a `dial-backoff` miss. */
  redialBackoff?: RedialBackoffInit
  /**
   * At most this many probes run at once; the others wait their turn.
   *
   * @default 64
   */
  maxConcurrentProbes?: number
}

/** A validator peer to watch. */
export interface LivenessPeer {
  peerId: PeerId
  /** Its base58 validator identity. */
  identity: string
}

/** The running liveness service of one node. */
export interface Liveness {
  /** Begins probing (first round at once, then every `pingIntervalMs`); idempotent. */
  start(): void
  /** Clears every timer and aborts every probe, resolving once they settled; idempotent, restartable. */
  stop(): Promise<void>
  isStarted(): boolean
  /**
   * Replaces the set of watched peers: new ones start UNKNOWN, missing ones
   * are dropped (their probe aborted). Throws a
   * `LivenessError` of code `RegistryFull`, changing nothing, when the set
   * exceeds `maxPeers`.
   */
  setPeers(peers: readonly LivenessPeer[]): void
  /**
   * A sign of life from the peer (an inbound connection, a message): unless
   * it is already CONNECTED or SLOW, its redial backoff is forgotten and it
   * is probed at once. Unwatched peers are ignored.
   */
  sawPeer(peerId: PeerId): void
  /** A ping echo that came after its probe gave up: counts as a reply (the peer is alive, its link slow). */
  lateReply(peerId: PeerId, rttMs: number): void
  readonly registry: PeerRegistry
}

class DefaultLiveness implements Liveness {
  readonly registry: PeerRegistry
  private readonly scheduler: ProbeScheduler

  constructor(init: LivenessInit, components: LivenessComponents) {
    const clock = init.clock ?? Date.now
    this.registry = createPeerRegistry({ ...init, clock })
    this.scheduler = new ProbeScheduler({
      pingIntervalMs: checkIntegerOption(
        'pingIntervalMs',
        init.pingIntervalMs ?? LIVENESS_DEFAULTS.pingIntervalMs,
        1,
      ),
      timeoutFor: (peer) => this.registry.probeTimeoutMs(peer),
      maxConcurrentProbes: checkIntegerOption(
        'maxConcurrentProbes',
        init.maxConcurrentProbes ?? LIVENESS_DEFAULTS.maxConcurrentProbes,
        1,
      ),
      backoff: new RedialBackoff(init.redialBackoff),
      clock,
      components,
      onOutcome: (peer, outcome) => {
        if (outcome.kind === 'reply') this.registry.recordReply(peer, outcome.rttMs)
        else this.registry.recordMiss(peer, outcome.reason)
      },
    })
  }

  start(): void {
    this.scheduler.start()
  }

  async stop(): Promise<void> {
    await this.scheduler.stop()
  }

  isStarted(): boolean {
    return this.scheduler.isRunning()
  }

  sawPeer(peerId: PeerId): void {
    const state = this.registry.get(peerId.toString())?.state
    if (state === undefined || state === PeerState.CONNECTED || state === PeerState.SLOW) return
    this.scheduler.probeNow(peerId.toString())
  }

  lateReply(peerId: PeerId, rttMs: number): void {
    const peer = peerId.toString()
    if (!this.scheduler.isRunning() || !this.registry.has(peer)) return
    if (!Number.isFinite(rttMs) || rttMs < 0) return
    this.registry.recordReply(peer, rttMs)
  }

  setPeers(peers: readonly LivenessPeer[]): void {
    const wanted = new Map<string, LivenessPeer>()
    for (const p of peers) {
      if (typeof p.identity !== 'string' || p.identity === '') {
        throw new LivenessError(
          'InvalidArgument',
          `setPeers: peer ${p.peerId.toString()} has no identity`,
        )
      }
      wanted.set(p.peerId.toString(), p)
    }
    if (wanted.size > this.registry.maxPeers) {
      throw new LivenessError(
        'RegistryFull',
        `setPeers: ${wanted.size} peers exceed maxPeers=${this.registry.maxPeers}`,
      )
    }
    for (const { peer } of this.registry.snapshot().peers) {
      if (wanted.has(peer)) continue
      this.scheduler.removeTarget(peer)
      this.registry.removePeer(peer)
    }
    for (const [peer, p] of wanted) {
      if (this.registry.addPeer(peer, p.identity)) this.scheduler.addTarget(peer, p.peerId)
    }
  }
}

/**
 * Creates the liveness service: a {@link PeerRegistry} fed by a ping
 * scheduler. Nothing runs
 * until `start()`. Throws a `LivenessError` of code `InvalidConfig` naming
 * the first bad option.
 */
export function createLiveness(init: LivenessInit, components: LivenessComponents): Liveness {
  return new DefaultLiveness(init, components)
}
