/** The rows the monitor's store reads and writes, as the rest of the app sees them. */
import type { PeerState } from '../states.js'

/** Who a stream says it is (the node serving it). */
export interface ObserverIdentity {
  peerId: string
  /** Base58 validator identity of the observing node. */
  validator: string
  incarnation: string
  network: string
}

/** One validated transition, as stored. */
export interface TransitionRecord {
  sequence: number
  peerId: string
  validator: string
  fromState: PeerState
  toState: PeerState
  atMs: number
  rttMs: number | null
  consecutiveMisses: number
  reason: string
  /** The peer's last reply at that moment (ms), null if it never replied; absent from older nodes. */
  lastSeenMs?: number | null
}

/** One peer in an observer's current view. */
export interface PeerStatusRecord {
  peerId: string
  validator: string
  state: PeerState
  sinceMs: number
  lastSeenMs: number | null
  consecutiveMisses: number
  rttMs: number | null
}

/** History the monitor could not get. */
export interface GapRecord {
  /** "evicted" or "restarted" from the node, "skipped" when a sequence jumped without a gap. */
  reason: string
  requestedIncarnation: string
  requestedAfter: number
  oldestAvailable: number
}

/** Where to resume an observer's stream. */
export interface Cursor {
  incarnation: string
  lastSequence: number
}

/** One watched address as stored. */
export interface ObserverRow {
  address: string
  peerId: string | null
  validator: string | null
  network: string | null
  cursor: Cursor | null
  connected: boolean
  lastError: string | null
}

/** An observer's view of one peer, with the observer's address. */
export interface ViewRow extends PeerStatusRecord {
  address: string
}

/** A stored transition with the address that reported it. */
export interface TimelineRow extends TransitionRecord {
  address: string
  incarnation: string
}
