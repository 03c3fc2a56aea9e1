/**
 * Disconnects and bans a peer whose gossip score falls below a threshold.
 * gossipsub alone only prunes and graylists a spammer; network.md asks that a
 * persistent one is then disconnected. Checked on every gossipsub heartbeat;
 * a peer that sends what no honest node sends is banned at once.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Logger, PeerId } from '@libp2p/interface'

export interface SpamGuardComponents {
  pubsub: GossipSub & { getScore(peerId: string): number }
  ban(peer: PeerId, durationMs: number): void
  hangUp(peer: PeerId): Promise<void>
  log: Logger
}

export interface SpamGuardInit {
  /** Score below which a peer is disconnected and banned. */
  disconnectBelowScore: number
  /** How long a banned peer is refused, in milliseconds. */
  banDurationMs: number
  /** Called for each peer banned. */
  onBan?(peer: PeerId, score: number): void
}

export class SpamGuard {
  private running = false

  constructor(
    private readonly components: SpamGuardComponents,
    private readonly init: SpamGuardInit,
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.components.pubsub.addEventListener('gossipsub:heartbeat', this.check)
  }

  stop(): void {
    if (!this.running) return
    this.running = false
    this.components.pubsub.removeEventListener('gossipsub:heartbeat', this.check)
  }

  /** Disconnects and bans `peer` now, whatever its score: it broke the protocol on purpose. */
  banForViolation(peer: PeerId, reason: string): void {
    if (!this.running) return
    this.components.log('banning %s: %s', peer.toString(), reason)
    this.ban(peer)
  }

  private readonly check = (): void => {
    const { pubsub } = this.components
    for (const peer of pubsub.getPeers()) {
      const score = pubsub.getScore(peer.toString())
      if (score >= this.init.disconnectBelowScore) continue
      this.components.log('banning %s: gossip score %d', peer.toString(), score)
      this.ban(peer)
    }
  }

  private ban(peer: PeerId): void {
    this.components.ban(peer, this.init.banDurationMs)
    this.init.onBan?.(peer, this.components.pubsub.getScore(peer.toString()))
    void this.components.hangUp(peer).catch(() => {})
  }
}
