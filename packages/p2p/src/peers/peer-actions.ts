/**
 * The one place that punishes peers (network.md, "Request/response"): gossip
 * and request/response report what a peer did; its score decides when that
 * is a ban; a ban is recorded with the peer, the reason and the time, logged,
 * counted, kept in a short recent list, handed to the embedder, and followed
 * by a disconnect. Admission holds the ban itself.
 */
import type { PeerId } from '@libp2p/interface'
import type { Logger } from '@paraloom/interface'
import { RingBuffer } from '../liveness/ring-buffer.js'
import type { P2PMetrics } from '../metrics.js'
import { PeerAction, type PeerOffence } from './peer-action.js'
import { PeerScores, type PeerScoresInit } from './peer-scores.js'

export interface PeerBan {
  peerId: PeerId
  reason: PeerOffence
  /** When the ban started, in ms since the epoch. */
  atMs: number
  /** When it ends, in ms since the epoch. */
  untilMs: number
}

export interface PeerActionsComponents {
  /** Refuses `peer` for `durationMs` from now. */
  ban(peer: PeerId, durationMs: number): void
  /** Is `peer` serving a ban right now? */
  isBanned(peer: PeerId): boolean
  /** Closes every connection to `peer`, promptly (the peer cannot stall it). */
  disconnect(peer: PeerId): void
  log: Logger
}

export interface PeerActionsInit {
  /** How long a banned peer is refused, in milliseconds. */
  banDurationMs: number
  /** Bans kept for `recentBans()`, newest last. @default 32 */
  maxRecentBans?: number
  scores?: PeerScoresInit
  metrics?: P2PMetrics
  nowMs?: () => number
  /** Called once per ban, after it is in force. */
  onBan?(ban: PeerBan): void
}

export const DEFAULT_MAX_RECENT_BANS = 32

export class PeerActions {
  private readonly scores: PeerScores
  private readonly recent: RingBuffer<PeerBan>
  private readonly nowMs: () => number

  constructor(
    private readonly components: PeerActionsComponents,
    private readonly init: PeerActionsInit,
  ) {
    this.nowMs = init.nowMs ?? Date.now
    this.scores = new PeerScores({ nowMs: this.nowMs, ...init.scores })
    this.recent = new RingBuffer(init.maxRecentBans ?? DEFAULT_MAX_RECENT_BANS)
  }

  /** Records that `peer` did `reason`, costing `action`; bans it when its score says so. */
  apply(peer: PeerId, action: PeerAction, reason: PeerOffence): void {
    // A banned peer's streams still in flight report too: one ban is enough.
    if (this.components.isBanned(peer)) return
    const state = this.scores.apply(peer.toString(), action)
    this.components.log.debug('peer action', {
      peer: peer.toString(),
      reason,
      action,
      score: this.score(peer),
    })
    if (state === 'banned') this.ban(peer, reason)
  }

  /** Bans `peer` now, whatever its score: it did what no honest node does. */
  banNow(peer: PeerId, reason: PeerOffence): void {
    this.apply(peer, PeerAction.Fatal, reason)
  }

  /** The peer's current score (0 when nothing is held against it). */
  score(peer: PeerId): number {
    return this.scores.score(peer.toString())
  }

  /** The most recent bans, oldest first. */
  recentBans(): PeerBan[] {
    return this.recent.toArray()
  }

  private ban(peerId: PeerId, reason: PeerOffence): void {
    const atMs = this.nowMs()
    const ban: PeerBan = { peerId, reason, atMs, untilMs: atMs + this.init.banDurationMs }
    this.components.ban(peerId, this.init.banDurationMs)
    // Once the ban is served the peer starts afresh.
    this.scores.reset(peerId.toString())
    this.recent.push(ban)
    this.init.metrics?.peerBans?.inc({ reason })
    this.components.log.debug('peer banned', {
      peer: peerId.toString(),
      reason,
      at: new Date(atMs).toISOString(),
      until: new Date(ban.untilMs).toISOString(),
    })
    this.init.onBan?.(ban)
    this.components.disconnect(peerId)
  }
}
