/**
 * The liveness state of one known validator peer, as the node's PeerRegistry
 * decides it and the peer-monitor stores and shows it. The gRPC enum
 * (`@paraloom/proto`) is generated code; whoever speaks gRPC converts.
 *
 * - `UNKNOWN`: known but no outcome decided yet (never replied, fewer than N misses).
 *   Every peer starts here; its first decisive outcome emits the first
 *   transition `UNKNOWN → X`.
 * - `CONNECTED`: replies, smoothed RTT at or below the slow threshold.
 * - `SLOW`: replies, smoothed RTT above the slow threshold. Slow is never punished.
 * - `OFFLINE`: missed N consecutive probes (a failed dial counts as a miss).
 */
export const PeerState = {
  UNKNOWN: 'UNKNOWN',
  CONNECTED: 'CONNECTED',
  SLOW: 'SLOW',
  OFFLINE: 'OFFLINE',
} as const

/** One of the {@link PeerState} values. */
export type PeerState = (typeof PeerState)[keyof typeof PeerState]

/** Every state, in a fixed order (metrics report all of them, zeros included). */
export const PEER_STATES: readonly PeerState[] = Object.values(PeerState)

/** True when `value` is one of the {@link PeerState} values. */
export function isPeerState(value: unknown): value is PeerState {
  return typeof value === 'string' && Object.hasOwn(PeerState, value)
}
