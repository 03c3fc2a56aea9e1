import type { PeerState, TransitionReason } from './peer-state.js'

/**
 * One change of a peer's liveness state. Emitted exactly once per change,
 * never for an outcome that leaves the state as it was.
 */
export interface PeerTransition {
  /** Per-registry sequence: 1 for the first transition, then +1 each time, never reused. */
  sequence: number
  /** The peer's libp2p PeerId string. */
  peer: string
  /** The validator's base58 identity (its Solana address). */
  validator: string
  from: PeerState
  to: PeerState
  /** When it happened, milliseconds since the Unix epoch, from the registry's clock. */
  at: number
  /** The RTT of the reply that caused it in milliseconds, or null when a miss caused it. */
  rttMs: number | null
  /** Consecutive misses at that moment (0 after a reply; N on the transition to OFFLINE). */
  consecutiveMisses: number
  /** Last reply from this peer (ms since epoch) at that moment, or null if it never replied. */
  lastSeenAt: number | null
  reason: TransitionReason
}
