/**
 * Peer liveness states and the pure functions that move between them.
 * No clock, no I/O: the registry feeds them the numbers it keeps.
 *
 * The states themselves are the shared contract (`@paraloom/interface`).
 *
 * @see /work/shared/spec/network.md, "Liveness: the PeerRegistry state machine"
 */
import { PeerState } from '@paraloom/interface'

// The shared states, for the modules of this directory.
export { PEER_STATES, PeerState } from '@paraloom/interface'

/** Why a probe counted as a miss. */
export type MissReason =
  /** No reply within `pingTimeoutMs` (dial included). */
  | 'timeout'
  /** Not connected and the redial failed. */
  | 'dial-failed'
  /** Not connected and the per-peer redial backoff has not elapsed: no dial attempted. */
  | 'dial-backoff'
  /** The ping stream failed (reset, protocol error, wrong echo). */
  | 'ping-failed'

/** Why a transition happened: a reply-driven reason or the miss that crossed N. */
export type TransitionReason =
  /** A reply from `UNKNOWN` or `OFFLINE` with RTT at or below the slow threshold. */
  | 'reply'
  /** The smoothed RTT went above `slowRttMs`. */
  | 'rtt-above-slow'
  /** A `SLOW` peer's smoothed RTT came down to `slowRecoveryRttMs` or below. */
  | 'rtt-below-recovery'
  | MissReason

/** The thresholds the state functions compare against. */
export interface StateThresholds {
  /** Smoothed RTT above this makes a peer SLOW, in milliseconds. */
  slowRttMs: number
  /** A SLOW peer returns to CONNECTED only at or below this smoothed RTT, in milliseconds. */
  slowRecoveryRttMs: number
  /** Consecutive replies beyond the band needed to move between CONNECTED and SLOW. */
  slowConfirmReplies: number
  /** Consecutive misses that make a peer OFFLINE. */
  offlineAfterMissed: number
}

/** A state together with the reason for entering it. */
export interface StateChange {
  state: PeerState
  reason: TransitionReason
}

/**
 * Does this smoothed RTT argue for leaving `current` (CONNECTED or SLOW)?
 * CONNECTED is left above `slowRttMs`, SLOW at or below `slowRecoveryRttMs`;
 * between the two nothing changes (the hysteresis band).
 */
export function beyondBand(current: PeerState, smoothedRttMs: number, t: StateThresholds): boolean {
  if (current === PeerState.SLOW) return smoothedRttMs <= t.slowRecoveryRttMs
  if (current === PeerState.CONNECTED) return smoothedRttMs > t.slowRttMs
  return false
}

/**
 * The state after a reply, given the smoothed RTT including that reply and
 * `streak`, the consecutive replies (this one included) whose smoothed RTT
 * was {@link beyondBand}. A reply from UNKNOWN or OFFLINE decides at once;
 * between CONNECTED and SLOW a change needs the band crossed and
 * `slowConfirmReplies` replies in a row beyond it, so an RTT hovering at
 * the threshold does not flap.
 */
export function stateAfterReply(
  current: PeerState,
  smoothedRttMs: number,
  streak: number,
  t: StateThresholds,
): StateChange {
  if (current === PeerState.SLOW || current === PeerState.CONNECTED) {
    const leave = beyondBand(current, smoothedRttMs, t) && streak >= t.slowConfirmReplies
    if (current === PeerState.SLOW) {
      return leave
        ? { state: PeerState.CONNECTED, reason: 'rtt-below-recovery' }
        : { state: PeerState.SLOW, reason: 'rtt-above-slow' }
    }
    return leave
      ? { state: PeerState.SLOW, reason: 'rtt-above-slow' }
      : { state: PeerState.CONNECTED, reason: 'reply' }
  }
  return smoothedRttMs > t.slowRttMs
    ? { state: PeerState.SLOW, reason: 'rtt-above-slow' }
    : { state: PeerState.CONNECTED, reason: 'reply' }
}

/**
 * The state after a miss, given the consecutive misses including that one:
 * OFFLINE from the N-th on, otherwise unchanged (a peer that has never
 * replied stays UNKNOWN until its N-th miss).
 */
export function stateAfterMiss(
  current: PeerState,
  consecutiveMisses: number,
  reason: MissReason,
  t: StateThresholds,
): StateChange {
  return consecutiveMisses >= t.offlineAfterMissed
    ? { state: PeerState.OFFLINE, reason }
    : { state: current, reason }
}
