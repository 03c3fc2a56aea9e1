/**
 * Liveness of known validator peers: a ping scheduler feeding the pure
 * {@link PeerRegistry} state machine (UNKNOWN, then CONNECTED / SLOW /
 * OFFLINE) and its numbered transitions with a bounded replayable history.
 * Unavailability evidence is not decided here: one node's view never
 * suffices, so peer-monitor decides it from the transitions of a quorum of
 * observers (its `engine/evidence-engine.ts`).
 *
 * Why libp2p's connection monitor must be off: libp2p 3 ships a connection
 * monitor that pings every open connection on its own schedule and aborts
 * the connection on a single failed ping. That would contradict this
 * registry, which tolerates N-1 misses and a slow link: one congested reply
 * would drop the connection, the next probe would have to redial, and the
 * two components would measure different things. This scheduler replaces it,
 * so the node config must set `connectionMonitor: { enabled: false }`.
 *
 * @example
 *
 * ```typescript
 * import { createLiveness } from '@paraloom/p2p'
 *
 * const liveness = createLiveness(
 *   { pingIntervalMs: 5000, slowRttMs: 500, offlineAfterMissed: 3 },
 *   {
 *     ping: (peerId, options) => node.services.ping.ping(peerId, options),
 *     dial: async (peerId, options) => { await node.dial(peerId, options) },
 *     isConnected: (peerId) => node.getConnections(peerId).length > 0,
 *   },
 * )
 * liveness.registry.onTransition((t) => console.info(t.sequence, t.validator, t.from, '->', t.to))
 * liveness.setPeers(validators.map((v) => ({ peerId: v.peerId, identity: v.identity })))
 * liveness.start()
 * // later
 * await liveness.stop()
 * ```
 *
 * @module
 */

export { LIVENESS_DEFAULTS } from './defaults.js'
export type { LivenessErrorCode } from './errors.js'
export { LivenessError } from './errors.js'
export type { Liveness, LivenessInit, LivenessPeer } from './liveness.js'
export { createLiveness } from './liveness.js'
export type {
  PeerRegistry,
  PeerRegistryInit,
  PeerSnapshot,
  RegistrySnapshot,
  TransitionListener,
} from './peer-registry.js'
export { createPeerRegistry } from './peer-registry.js'
export type { MissReason, StateThresholds, TransitionReason } from './peer-state.js'
export { stateAfterMiss, stateAfterReply } from './peer-state.js'
export type { RedialBackoffInit } from './redial-backoff.js'
export type { LivenessComponents } from './scheduler.js'
export type { PeerTransition } from './transition.js'
export type { HistoryGapReason, HistoryResult } from './transition-history.js'
