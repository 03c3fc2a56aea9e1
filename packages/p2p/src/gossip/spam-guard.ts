/**
 * Bans a peer whose gossip score falls below a threshold. gossipsub alone
 * only prunes and graylists a spammer; network.md asks that a persistent one
 * is then disconnected. Checked on every gossipsub heartbeat; a peer that
 * sends what no honest node sends is banned at once. The ban itself (record,
 * log, count, hang-up) is the peer-action store's.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { Logger } from '@paraloom/interface'
import type { PeerOffence } from '../peers/peer-action.js'

export interface SpamGuardComponents {
  pubsub: GossipSub & { getScore(peerId: string): number }
  /** Bans `peer` now (PeerActions.banNow). */
  ban(peer: PeerId, offence: PeerOffence): void
  log: Logger
}

export interface SpamGuardInit {
  /** Score below which a peer is disconnected and banned. */
  disconnectBelowScore: number
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

  /** Bans `peer` now, whatever its score: it sent gossip over a topic's cap. */
  banForViolation(peer: PeerId, reason: string): void {
    if (!this.running) return
    this.components.log.debug('banning for oversize gossip', {
      peer: peer.toString(),
      detail: reason,
    })
    this.components.ban(peer, 'oversize_gossip')
  }

  private readonly check = (): void => {
    const { pubsub } = this.components
    for (const peer of pubsub.getPeers()) {
      const score = pubsub.getScore(peer.toString())
      if (score >= this.init.disconnectBelowScore) continue
      this.components.log.debug('banning for its gossip score', { peer: peer.toString(), score })
      this.components.ban(peer, 'gossip_score')
    }
  }
}
