import type { P2PMetrics } from '../metrics.js'
import { LIVENESS_DEFAULTS } from './defaults.js'
import { checkIntegerOption, LivenessError } from './errors.js'
import {
  beyondBand,
  type MissReason,
  PEER_STATES,
  PeerState,
  type StateChange,
  type StateThresholds,
  stateAfterMiss,
  stateAfterReply,
} from './peer-state.js'
import { RttEstimator } from './rtt-estimator.js'
import type { PeerTransition } from './transition.js'
import { type HistoryResult, TransitionHistory } from './transition-history.js'

/** Options of {@link createPeerRegistry}. */
export interface PeerRegistryInit {
  /**
   * A peer whose smoothed RTT goes above this is SLOW, in milliseconds.
   *
   * @default 500
   */
  slowRttMs?: number
  /**
   * A SLOW peer goes back to CONNECTED only once its smoothed RTT is at or
   * below this, in milliseconds (hysteresis: one borderline reply does not
   * flap SLOW/CONNECTED). Must not exceed `slowRttMs`.
   *
   * @default 80% of slowRttMs, rounded down
   */
  slowRecoveryRttMs?: number
  /**
   * Consecutive misses that make a peer OFFLINE; a reply resets the count.
   *
   * @default 3
   */
  offlineAfterMissed?: number
  /**
   * Consecutive replies whose smoothed RTT lies beyond the hysteresis band
   * (above `slowRttMs` while CONNECTED, at or below `slowRecoveryRttMs`
   * while SLOW) before the peer moves between CONNECTED and SLOW. The
   * smoothed RTT is RFC 6298's (each reply moves it 1/8 of the way), so a
   * link whose RTT hovers near the threshold does not flap. Between 1 and 64.
   *
   * @default 5
   */
  slowConfirmReplies?: number
  /**
   * The least time a probe waits for a reply, in milliseconds: the floor of
   * the per-peer timeout `srtt + 4·rttvar` (RFC 6298), and the whole
   * timeout until the peer has replied once.
   *
   * @default 5000
   */
  pingTimeoutMs?: number
  /**
   * The most time a probe waits for a reply, in milliseconds, however
   * jittery the peer's link: bounds how long a silent peer takes to go
   * OFFLINE. At least `pingTimeoutMs`.
   *
   * @default 4 × pingTimeoutMs
   */
  maxPingTimeoutMs?: number
  /**
   * How many transitions the replayable history keeps; older ones are
   * dropped and a watcher asking for them gets an explicit gap.
   *
   * @default 10000
   */
  historyCapacity?: number
  /**
   * At most this many peers are tracked; `addPeer` beyond it throws a
   * `LivenessError` of code `RegistryFull` (no silent eviction: every
   * validator the node was told about is either tracked or refused loudly).
   *
   * @default 4096
   */
  maxPeers?: number
  /**
   * At most this many transition listeners at once (each gRPC watcher is one);
   * `onTransition` beyond it throws code `TooManyListeners`.
   *
   * @default 1024
   */
  maxListeners?: number
  /**
   * The clock, in milliseconds since the Unix epoch. Tests pass a fake one.
   *
   * @default Date.now
   */
  clock?: () => number
  /** Metric hooks: `peersByState`, `transitions` and `pingRttMs` are recorded when given. */
  metrics?: P2PMetrics
}

/** One known peer as the registry sees it now. */
export interface PeerSnapshot {
  /** libp2p PeerId string. */
  peer: string
  /** Base58 validator identity. */
  validator: string
  state: PeerState
  /** RTT of the last reply in milliseconds, null if it never replied (or not since OFFLINE). */
  rttMs: number | null
  /** Smoothed RTT (RFC 6298) in milliseconds, null before the first reply (and since OFFLINE). */
  smoothedRttMs: number | null
  /** RTT variation (RFC 6298) in milliseconds, null before the first reply (and since OFFLINE). */
  rttVarianceMs: number | null
  consecutiveMisses: number
  /** Last reply, ms since epoch, or null if it never replied. */
  lastSeenAt: number | null
  /** When the peer entered its current state (or was added, while UNKNOWN), ms since epoch. */
  since: number
}

/** Every known peer plus the sequence of the last transition reflected in it. */
export interface RegistrySnapshot {
  /**
   * The newest transition sequence already reflected in `peers` (0 if none):
   * a watcher sends this snapshot, then the transitions after this sequence.
   */
  sequence: number
  peers: PeerSnapshot[]
}

/** Called once for each transition, synchronously, in sequence order. */
export type TransitionListener = (transition: PeerTransition) => void

/**
 * The pure liveness state machine: no libp2p, no timers. Feed it probe
 * outcomes; it keeps per-peer state, emits transitions and keeps a bounded
 * history of them.
 */
export interface PeerRegistry {
  /** The newest transition sequence, 0 before the first. */
  readonly sequence: number
  /** The most peers it tracks at once. */
  readonly maxPeers: number
  /** Starts tracking a peer in state UNKNOWN; false if it was already known. */
  addPeer(peer: string, validator: string): boolean
  /** Stops tracking a peer (no transition is emitted); false if it was unknown. */
  removePeer(peer: string): boolean
  has(peer: string): boolean
  get(peer: string): PeerSnapshot | undefined
  /** Records a ping reply; returns the transition it caused, if any. */
  recordReply(peer: string, rttMs: number): PeerTransition | undefined
  /**
   * How long the next probe of this peer waits for its reply, in
   * milliseconds: `srtt + 4·rttvar` of its replies, clamped to
   * `[pingTimeoutMs, maxPingTimeoutMs]`. Throws `unknown-peer`.
   */
  probeTimeoutMs(peer: string): number
  /** Records a missed probe; returns the transition it caused, if any. */
  recordMiss(peer: string, reason: MissReason): PeerTransition | undefined
  snapshot(): RegistrySnapshot
  /** Transitions after `afterSequence` (0 = all kept), or an explicit gap. */
  historySince(afterSequence: number): HistoryResult
  /**
   * Calls `listener` for each future transition; returns the unsubscribe
   * function. A listener that throws does not disturb the registry or the
   * other listeners (its error is dropped).
   */
  onTransition(listener: TransitionListener): () => void
}

const MAX_SLOW_CONFIRM_REPLIES = 64

interface PeerEntry {
  peer: string
  validator: string
  state: PeerState
  rtt: RttEstimator
  /** Consecutive replies beyond the SLOW/CONNECTED hysteresis band. */
  streak: number
  rttMs: number | null
  consecutiveMisses: number
  lastSeenAt: number | null
  since: number
}

class DefaultPeerRegistry implements PeerRegistry {
  private readonly thresholds: StateThresholds
  private readonly pingTimeoutMs: number
  private readonly maxPingTimeoutMs: number
  readonly maxPeers: number
  private readonly maxListeners: number
  private readonly clock: () => number
  private readonly metrics: P2PMetrics | undefined
  private readonly peers = new Map<string, PeerEntry>()
  private readonly listeners = new Set<TransitionListener>()
  private readonly history: TransitionHistory
  private readonly countsByState = new Map<PeerState, number>(PEER_STATES.map((s) => [s, 0]))

  constructor(init: PeerRegistryInit) {
    const slowRttMs = checkIntegerOption(
      'slowRttMs',
      init.slowRttMs ?? LIVENESS_DEFAULTS.slowRttMs,
      1,
    )
    this.thresholds = {
      slowRttMs,
      slowRecoveryRttMs: checkIntegerOption(
        'slowRecoveryRttMs',
        init.slowRecoveryRttMs ?? Math.floor(slowRttMs * 0.8),
        0,
        slowRttMs,
      ),
      slowConfirmReplies: checkIntegerOption(
        'slowConfirmReplies',
        init.slowConfirmReplies ?? LIVENESS_DEFAULTS.slowConfirmReplies,
        1,
        MAX_SLOW_CONFIRM_REPLIES,
      ),
      offlineAfterMissed: checkIntegerOption(
        'offlineAfterMissed',
        init.offlineAfterMissed ?? LIVENESS_DEFAULTS.offlineAfterMissed,
        1,
      ),
    }
    this.pingTimeoutMs = checkIntegerOption(
      'pingTimeoutMs',
      init.pingTimeoutMs ?? LIVENESS_DEFAULTS.pingTimeoutMs,
      1,
    )
    this.maxPingTimeoutMs = checkIntegerOption(
      'maxPingTimeoutMs',
      init.maxPingTimeoutMs ?? 4 * this.pingTimeoutMs,
      this.pingTimeoutMs,
    )
    this.history = new TransitionHistory(
      checkIntegerOption(
        'historyCapacity',
        init.historyCapacity ?? LIVENESS_DEFAULTS.historyCapacity,
        1,
      ),
    )
    this.maxPeers = checkIntegerOption('maxPeers', init.maxPeers ?? LIVENESS_DEFAULTS.maxPeers, 1)
    this.maxListeners = checkIntegerOption(
      'maxListeners',
      init.maxListeners ?? LIVENESS_DEFAULTS.maxListeners,
      1,
    )
    this.clock = init.clock ?? Date.now
    this.metrics = init.metrics
    this.recordStateCounts()
  }

  get sequence(): number {
    return this.history.latest
  }

  addPeer(peer: string, validator: string): boolean {
    if (peer === '' || validator === '') {
      throw new LivenessError('InvalidArgument', 'addPeer needs a non-empty peer and validator')
    }
    if (this.peers.has(peer)) return false
    if (this.peers.size >= this.maxPeers) {
      throw new LivenessError(
        'RegistryFull',
        `cannot track peer ${peer}: the registry already holds maxPeers=${this.maxPeers} peers`,
      )
    }
    this.peers.set(peer, {
      peer,
      validator,
      state: PeerState.UNKNOWN,
      rtt: new RttEstimator(),
      streak: 0,
      rttMs: null,
      consecutiveMisses: 0,
      lastSeenAt: null,
      since: this.clock(),
    })
    this.adjustCount(PeerState.UNKNOWN, 1)
    this.recordStateCounts()
    return true
  }

  removePeer(peer: string): boolean {
    const entry = this.peers.get(peer)
    if (entry === undefined) return false
    this.peers.delete(peer)
    this.adjustCount(entry.state, -1)
    this.recordStateCounts()
    return true
  }

  has(peer: string): boolean {
    return this.peers.has(peer)
  }

  get(peer: string): PeerSnapshot | undefined {
    const entry = this.peers.get(peer)
    return entry === undefined ? undefined : toSnapshot(entry)
  }

  recordReply(peer: string, rttMs: number): PeerTransition | undefined {
    if (!Number.isFinite(rttMs) || rttMs < 0) {
      throw new LivenessError(
        'InvalidArgument',
        `recordReply(${peer}) needs a finite, non-negative rttMs, got ${String(rttMs)}`,
      )
    }
    const entry = this.entry(peer)
    entry.rtt.sample(rttMs)
    const smoothed = entry.rtt.srttMs ?? rttMs
    entry.streak = beyondBand(entry.state, smoothed, this.thresholds) ? entry.streak + 1 : 0
    entry.rttMs = rttMs
    entry.consecutiveMisses = 0
    entry.lastSeenAt = this.clock()
    this.metrics?.pingRttMs?.observe({}, rttMs)
    const change = stateAfterReply(entry.state, smoothed, entry.streak, this.thresholds)
    return this.apply(entry, change, rttMs)
  }

  probeTimeoutMs(peer: string): number {
    return this.entry(peer).rtt.timeoutMs(this.pingTimeoutMs, this.maxPingTimeoutMs)
  }

  recordMiss(peer: string, reason: MissReason): PeerTransition | undefined {
    const entry = this.entry(peer)
    entry.consecutiveMisses++
    const change = stateAfterMiss(entry.state, entry.consecutiveMisses, reason, this.thresholds)
    if (change.state === PeerState.OFFLINE && entry.state !== PeerState.OFFLINE) {
      entry.rtt.reset()
      entry.rttMs = null
    }
    return this.apply(entry, change, null)
  }

  snapshot(): RegistrySnapshot {
    return { sequence: this.history.latest, peers: [...this.peers.values()].map(toSnapshot) }
  }

  historySince(afterSequence: number): HistoryResult {
    return this.history.since(afterSequence)
  }

  onTransition(listener: TransitionListener): () => void {
    if (this.listeners.size >= this.maxListeners) {
      throw new LivenessError(
        'TooManyListeners',
        `cannot add a transition listener: maxListeners=${this.maxListeners} reached`,
      )
    }
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const wrapped: TransitionListener = (t) => listener(t)
    this.listeners.add(wrapped)
    return () => {
      this.listeners.delete(wrapped)
    }
  }

  private entry(peer: string): PeerEntry {
    const entry = this.peers.get(peer)
    if (entry === undefined) {
      throw new LivenessError('UnknownPeer', `peer ${peer} is not tracked by the registry`)
    }
    return entry
  }

  private apply(
    entry: PeerEntry,
    change: StateChange,
    rttMs: number | null,
  ): PeerTransition | undefined {
    if (change.state === entry.state) return undefined
    const at = this.clock()
    const transition: PeerTransition = {
      sequence: this.history.latest + 1,
      peer: entry.peer,
      validator: entry.validator,
      from: entry.state,
      to: change.state,
      at,
      rttMs,
      consecutiveMisses: entry.consecutiveMisses,
      lastSeenAt: entry.lastSeenAt,
      reason: change.reason,
    }
    this.adjustCount(entry.state, -1)
    this.adjustCount(change.state, 1)
    entry.state = change.state
    entry.streak = 0
    entry.since = at
    this.history.append(transition)
    this.metrics?.transitions?.inc({ from: transition.from, to: transition.to })
    this.recordStateCounts()
    for (const listener of [...this.listeners]) {
      try {
        listener(transition)
      } catch {
        // A faulty subscriber must not break the state machine or the others.
      }
    }
    return transition
  }

  private adjustCount(state: PeerState, delta: number): void {
    this.countsByState.set(state, (this.countsByState.get(state) ?? 0) + delta)
  }

  private recordStateCounts(): void {
    const gauge = this.metrics?.peersByState
    if (gauge === undefined) return
    for (const [state, count] of this.countsByState) gauge.set({ state }, count)
  }
}

function toSnapshot(entry: PeerEntry): PeerSnapshot {
  return {
    peer: entry.peer,
    validator: entry.validator,
    state: entry.state,
    rttMs: entry.rttMs,
    smoothedRttMs: entry.rtt.srttMs,
    rttVarianceMs: entry.rtt.rttvarMs,
    consecutiveMisses: entry.consecutiveMisses,
    lastSeenAt: entry.lastSeenAt,
    since: entry.since,
  }
}

/** Creates an empty {@link PeerRegistry}; throws `InvalidConfig` on a bad option. */
export function createPeerRegistry(init: PeerRegistryInit = {}): PeerRegistry {
  return new DefaultPeerRegistry(init)
}
