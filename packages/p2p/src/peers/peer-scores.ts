/**
 * Per-peer scores fed by peer actions. The score decays exponentially
 * towards 0 (half-life `halfLifeMs`), so a peer needs many tolerable errors
 * in a short time to be banned, and one Fatal action at any time. Pure apart
 * from the injected clock; capped at `maxPeers` entries.
 */
import {
  MIN_SCORE,
  PEER_ACTION_SCORE,
  type PeerAction,
  type PeerScoreState,
  scoreToState,
} from './peer-action.js'

export interface PeerScoresInit {
  /** Time for a score to decay halfway back to 0, in milliseconds. @default 600000 */
  halfLifeMs?: number
  /** Peers whose scores are kept at once; the one nearest to 0 is forgotten beyond this. @default 1024 */
  maxPeers?: number
  nowMs?: () => number
}

export const DEFAULT_SCORE_HALF_LIFE_MS = 10 * 60 * 1000
export const DEFAULT_MAX_SCORED_PEERS = 1024
/** A score this close to 0 is forgotten. */
const FORGET_ABOVE_SCORE = -0.5

interface Entry {
  score: number
  updatedAtMs: number
}

export class PeerScores {
  private readonly entries = new Map<string, Entry>()
  private readonly halfLifeMs: number
  private readonly maxPeers: number
  private readonly nowMs: () => number

  constructor(init: PeerScoresInit = {}) {
    this.halfLifeMs = init.halfLifeMs ?? DEFAULT_SCORE_HALF_LIFE_MS
    this.maxPeers = init.maxPeers ?? DEFAULT_MAX_SCORED_PEERS
    this.nowMs = init.nowMs ?? Date.now
  }

  /** Applies `action` to `peer`; returns the state the new score puts it in. */
  apply(peer: string, action: PeerAction): PeerScoreState {
    const score = Math.max(MIN_SCORE, this.score(peer) + PEER_ACTION_SCORE[action])
    this.entries.delete(peer)
    if (this.entries.size >= this.maxPeers) this.forgetMildest()
    this.entries.set(peer, { score, updatedAtMs: this.nowMs() })
    return scoreToState(score)
  }

  /** The peer's current (decayed) score; 0 for a peer with no record. */
  score(peer: string): number {
    const entry = this.entries.get(peer)
    if (entry == null) return 0
    const elapsed = Math.max(0, this.nowMs() - entry.updatedAtMs)
    return entry.score * 0.5 ** (elapsed / this.halfLifeMs)
  }

  /** Forgets `peer`'s score (after a ban has been served, it starts afresh). */
  reset(peer: string): void {
    this.entries.delete(peer)
  }

  get size(): number {
    return this.entries.size
  }

  private forgetMildest(): void {
    let mildest: string | undefined
    let mildestScore = Number.NEGATIVE_INFINITY
    for (const peer of this.entries.keys()) {
      const score = this.score(peer)
      if (score > FORGET_ABOVE_SCORE) {
        this.entries.delete(peer)
        return
      }
      if (score > mildestScore) {
        mildest = peer
        mildestScore = score
      }
    }
    if (mildest != null) this.entries.delete(mildest)
  }
}
