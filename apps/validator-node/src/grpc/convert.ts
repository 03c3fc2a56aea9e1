import type {
  PeerSnapshot,
  PeerTransition,
  RegistrySnapshot,
  TransitionReason,
} from '@paraloom/p2p'
import {
  TransitionReason as ProtoReason,
  type PeerSnapshot as ProtoSnapshot,
  PeerState as ProtoState,
  type PeerStatus as ProtoStatus,
  type PeerTransition as ProtoTransition,
} from '@paraloom/proto'

/** PeerRegistry states as the proto enum spells them. */
const STATE: Record<PeerSnapshot['state'], ProtoState> = {
  UNKNOWN: ProtoState.PEER_STATE_UNKNOWN,
  CONNECTED: ProtoState.PEER_STATE_CONNECTED,
  SLOW: ProtoState.PEER_STATE_SLOW,
  OFFLINE: ProtoState.PEER_STATE_OFFLINE,
}

export const toProtoState = (state: PeerSnapshot['state']): ProtoState => STATE[state]

/** PeerRegistry reasons as the proto enum spells them (the compiler checks every one is mapped). */
const REASON: Record<TransitionReason, ProtoReason> = {
  reply: ProtoReason.TRANSITION_REASON_REPLY,
  'rtt-above-slow': ProtoReason.TRANSITION_REASON_RTT_ABOVE_SLOW,
  'rtt-below-recovery': ProtoReason.TRANSITION_REASON_RTT_BELOW_RECOVERY,
  timeout: ProtoReason.TRANSITION_REASON_TIMEOUT,
  'dial-failed': ProtoReason.TRANSITION_REASON_DIAL_FAILED,
  'dial-backoff': ProtoReason.TRANSITION_REASON_DIAL_BACKOFF,
  'ping-failed': ProtoReason.TRANSITION_REASON_PING_FAILED,
}

const ms = (value: number): bigint => BigInt(Math.round(value))
const optional = <T, R>(value: T | null, f: (v: T) => R): R | undefined =>
  value === null ? undefined : f(value)

export function toProtoStatus(peer: PeerSnapshot): ProtoStatus {
  return {
    peerId: peer.peer,
    validator: peer.validator,
    state: toProtoState(peer.state),
    rttMs: optional(peer.rttMs, Number),
    smoothedRttMs: optional(peer.smoothedRttMs, Number),
    consecutiveMisses: peer.consecutiveMisses,
    lastSeenMs: optional(peer.lastSeenAt, ms),
    sinceMs: ms(peer.since),
  }
}

export function toProtoTransition(t: PeerTransition): ProtoTransition {
  return {
    sequence: BigInt(t.sequence),
    peerId: t.peer,
    validator: t.validator,
    fromState: toProtoState(t.from),
    toState: toProtoState(t.to),
    atMs: ms(t.at),
    rttMs: optional(t.rttMs, Number),
    consecutiveMisses: t.consecutiveMisses,
    reason: REASON[t.reason],
    lastSeenMs: optional(t.lastSeenAt, ms),
  }
}

export function toProtoSnapshot(snapshot: RegistrySnapshot, atMs: number): ProtoSnapshot {
  return {
    lastSequence: BigInt(snapshot.sequence),
    peers: snapshot.peers.map(toProtoStatus),
    atMs: ms(atMs),
  }
}
