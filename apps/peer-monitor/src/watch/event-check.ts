import {
  type PeerEvent,
  type PeerStatus,
  type PeerTransition,
  transitionReasonName,
} from '@paraloom/proto'
import { WatchError } from '../errors.js'
import { type PeerState, stateFromProto } from '../states.js'
import type {
  GapRecord,
  ObserverIdentity,
  PeerStatusRecord,
  TransitionRecord,
} from '../store/store.js'

/** A PeerEvent after validation: plain numbers, known states, bounded strings. */
export type WatchEvent =
  | {
      kind: 'snapshot'
      observer: ObserverIdentity
      lastSequence: number
      atMs: number
      peers: PeerStatusRecord[]
    }
  | { kind: 'transition'; observer: ObserverIdentity; transition: TransitionRecord }
  | { kind: 'gap'; observer: ObserverIdentity; gap: GapRecord }

/** Bounds on what one event may carry; anything over is a malformed event. */
export interface EventLimits {
  /** Longest peer id, validator identity, incarnation or network name, in characters. */
  maxIdLength: number
  /** Longest gap reason, in characters. */
  maxReasonLength: number
  /** Most peers in one snapshot (the node's PeerRegistry holds at most 4096 by default). */
  maxPeersPerSnapshot: number
}

export const defaultEventLimits: EventLimits = {
  maxIdLength: 128,
  maxReasonLength: 64,
  maxPeersPerSnapshot: 4096,
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Checks one decoded PeerEvent and converts it. Throws a WatchError of code
 * `MalformedEvent` saying which field was wrong.
 */
export function checkEvent(
  address: string,
  event: PeerEvent,
  limits: EventLimits = defaultEventLimits,
): WatchEvent {
  const fail = (what: string): never => {
    throw new WatchError('MalformedEvent', address, `malformed PeerEvent: ${what}`)
  }
  const id = (field: string, value: unknown, allowEmpty = false): string => {
    if (typeof value !== 'string') return fail(`${field} is not a string`)
    if (!allowEmpty && value.length === 0) return fail(`${field} is empty`)
    if (value.length > limits.maxIdLength) {
      return fail(`${field} is ${value.length} characters, over ${limits.maxIdLength}`)
    }
    return value
  }
  const reason = (field: string, value: unknown): string => {
    if (typeof value !== 'string') return fail(`${field} is not a string`)
    if (value.length > limits.maxReasonLength) {
      return fail(`${field} is ${value.length} characters, over ${limits.maxReasonLength}`)
    }
    return value
  }
  // A reason number this build does not know (a newer node) is kept as `reason-N`, not refused.
  const transitionReason = (field: string, value: unknown): string => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31) {
      return transitionReasonName(value)
    }
    return fail(`${field} is not a transition reason (${String(value)})`)
  }
  const int = (field: string, value: unknown): number => {
    if (typeof value === 'bigint' && value >= 0n && value <= MAX_SAFE) return Number(value)
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
    return fail(`${field} is not an integer from 0 to 2^53-1`)
  }
  const rtt = (field: string, value: unknown): number | null => {
    if (value === undefined) return null
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
    return fail(`${field} is not a finite non-negative number`)
  }
  const state = (field: string, value: number): PeerState =>
    stateFromProto(value) ?? fail(`${field} is not a known peer state (${value})`)

  const o = event.observer
  if (o === undefined) return fail('observer is missing')
  const observer: ObserverIdentity = {
    peerId: id('observer.peer_id', o.peerId),
    validator: id('observer.validator', o.validator),
    incarnation: id('observer.incarnation', o.incarnation),
    network: id('observer.network', o.network, true),
  }
  const e = event.event
  switch (e?.$case) {
    case 'snapshot': {
      if (e.value.peers.length > limits.maxPeersPerSnapshot) {
        return fail(
          `snapshot has ${e.value.peers.length} peers, over ${limits.maxPeersPerSnapshot}`,
        )
      }
      const peers = e.value.peers.map(
        (p: PeerStatus, i): PeerStatusRecord => ({
          peerId: id(`peers[${i}].peer_id`, p.peerId),
          validator: id(`peers[${i}].validator`, p.validator),
          state: state(`peers[${i}].state`, p.state),
          sinceMs: int(`peers[${i}].since_ms`, p.sinceMs),
          lastSeenMs:
            p.lastSeenMs === undefined ? null : int(`peers[${i}].last_seen_ms`, p.lastSeenMs),
          consecutiveMisses: int(`peers[${i}].consecutive_misses`, p.consecutiveMisses),
          rttMs: rtt(`peers[${i}].rtt_ms`, p.rttMs),
        }),
      )
      return {
        kind: 'snapshot',
        observer,
        lastSequence: int('snapshot.last_sequence', e.value.lastSequence),
        atMs: int('snapshot.at_ms', e.value.atMs),
        peers,
      }
    }
    case 'transition': {
      const t: PeerTransition = e.value
      const sequence = int('transition.sequence', t.sequence)
      if (sequence === 0) return fail('transition.sequence is 0 (sequences start at 1)')
      return {
        kind: 'transition',
        observer,
        transition: {
          sequence,
          peerId: id('transition.peer_id', t.peerId),
          validator: id('transition.validator', t.validator),
          fromState: state('transition.from_state', t.fromState),
          toState: state('transition.to_state', t.toState),
          atMs: int('transition.at_ms', t.atMs),
          rttMs: rtt('transition.rtt_ms', t.rttMs),
          consecutiveMisses: int('transition.consecutive_misses', t.consecutiveMisses),
          reason: transitionReason('transition.reason', t.reason),
          lastSeenMs:
            t.lastSeenMs === undefined ? null : int('transition.last_seen_ms', t.lastSeenMs),
        },
      }
    }
    case 'gap':
      return {
        kind: 'gap',
        observer,
        gap: {
          reason: reason('gap.reason', e.value.reason),
          requestedIncarnation: id('gap.requested_incarnation', e.value.requestedIncarnation, true),
          requestedAfter: int('gap.requested_after', e.value.requestedAfter),
          oldestAvailable: int('gap.oldest_available', e.value.oldestAvailable),
        },
      }
    default:
      return fail('event is empty (no snapshot, transition or gap)')
  }
}
