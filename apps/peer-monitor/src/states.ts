import { PeerState as ProtoState } from '@paraloom/proto'

/**
 * A peer's liveness state as the monitor stores and shows it (the names of
 * the node's PeerRegistry states).
 */
export const PeerState = {
  UNKNOWN: 'UNKNOWN',
  CONNECTED: 'CONNECTED',
  SLOW: 'SLOW',
  OFFLINE: 'OFFLINE',
} as const

export type PeerState = (typeof PeerState)[keyof typeof PeerState]

const FROM_PROTO: ReadonlyMap<number, PeerState> = new Map([
  [ProtoState.PEER_STATE_CONNECTED, PeerState.CONNECTED],
  [ProtoState.PEER_STATE_SLOW, PeerState.SLOW],
  [ProtoState.PEER_STATE_OFFLINE, PeerState.OFFLINE],
  [ProtoState.PEER_STATE_UNKNOWN, PeerState.UNKNOWN],
])

/** The state a proto enum value names, or undefined for UNSPECIFIED and unknown numbers. */
export function stateFromProto(value: number): PeerState | undefined {
  return FROM_PROTO.get(value)
}

export function isPeerState(value: unknown): value is PeerState {
  return typeof value === 'string' && Object.hasOwn(PeerState, value)
}
