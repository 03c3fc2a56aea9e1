/**
 * How `paraloom peers` prints what a node's PeerMonitor service says: a table
 * like `solana gossip` for people, one JSON object per line for scripts.
 */
import { duration } from '@paraloom/cli-kit'
import {
  type HistoryGap,
  type ListPeersResponse,
  type Observer,
  PeerState,
  type PeerStatus,
  type PeerTransition,
  transitionReasonName,
} from '@paraloom/proto'

/** The state names operators see (and `--json` prints). */
export type StateName = 'CONNECTED' | 'SLOW' | 'OFFLINE' | 'UNKNOWN'

export function stateName(state: PeerState): StateName {
  switch (state) {
    case PeerState.PEER_STATE_CONNECTED:
      return 'CONNECTED'
    case PeerState.PEER_STATE_SLOW:
      return 'SLOW'
    case PeerState.PEER_STATE_OFFLINE:
      return 'OFFLINE'
    default:
      return 'UNKNOWN'
  }
}

/** One peer as `--json` prints it. */
export interface PeerJson {
  validator: string
  peer_id: string
  state: StateName
  /** Last ping round trip, null if the peer never replied. */
  rtt_ms: number | null
  /** Unix ms since which the peer has been in `state`. */
  since_ms: number
  missed: number
  /** Unix ms of the last reply, null if never. */
  last_seen_ms: number | null
}

export function peerJson(p: PeerStatus): PeerJson {
  return {
    validator: p.validator,
    peer_id: p.peerId,
    state: stateName(p.state),
    rtt_ms: p.rttMs === undefined ? null : round1(p.rttMs),
    since_ms: Number(p.sinceMs),
    missed: p.consecutiveMisses,
    last_seen_ms: p.lastSeenMs === undefined ? null : Number(p.lastSeenMs),
  }
}

/**
 * One transition as `--json --watch` prints it: the peer's new state under
 * the same keys as {@link peerJson}, then what it was and why.
 */
export function transitionJson(t: PeerTransition): PeerJson & {
  event: 'transition'
  from_state: StateName
  reason: string
  sequence: number
} {
  const peer = peerJson({
    validator: t.validator,
    peerId: t.peerId,
    state: t.toState,
    rttMs: t.rttMs,
    consecutiveMisses: t.consecutiveMisses,
    lastSeenMs: t.lastSeenMs,
    sinceMs: t.atMs,
  })
  return {
    event: 'transition',
    ...peer,
    from_state: stateName(t.fromState),
    reason: transitionReasonName(t.reason),
    sequence: Number(t.sequence),
  }
}

/** Peers in a stable order: by validator identity. */
export function sortedPeers(peers: readonly PeerStatus[]): PeerStatus[] {
  return [...peers].sort((a, b) =>
    a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0,
  )
}

/** The `solana gossip`-like table of `res`, with a summary line; ages relative to `nowMs`. */
export function peerTable(res: ListPeersResponse, nowMs: number): string {
  const peers = sortedPeers(res.peers)
  const rows = [
    ['VALIDATOR', 'PEER ID', 'STATE', 'FOR', 'RTT', 'MISSED'],
    ...peers.map((p) => [
      p.validator,
      p.peerId,
      stateName(p.state),
      duration(nowMs - Number(p.sinceMs)),
      p.rttMs === undefined ? '-' : `${round1(p.rttMs)} ms`,
      String(p.consecutiveMisses),
    ]),
  ]
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const lines = rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  )
  return `${lines.join('\n')}\n${summary(peers, res.observer)}`
}

function summary(peers: readonly PeerStatus[], observer: Observer | undefined): string {
  const counts: Record<StateName, number> = { CONNECTED: 0, SLOW: 0, OFFLINE: 0, UNKNOWN: 0 }
  for (const p of peers) counts[stateName(p.state)]++
  const byState = (Object.keys(counts) as StateName[]).map((s) => `${counts[s]} ${s}`).join(', ')
  const who =
    observer === undefined ? '' : ` (seen by ${observer.validator} on ${observer.network})`
  return `${peers.length} peers: ${byState}${who}`
}

/** One transition as a log-like line for `--watch`. */
export function transitionLine(t: PeerTransition): string {
  const rtt = t.rttMs === undefined ? '-' : `${round1(t.rttMs)} ms`
  return `${new Date(Number(t.atMs)).toISOString()}  ${t.validator}  ${stateName(t.fromState)} -> ${stateName(t.toState)}  reason=${transitionReasonName(t.reason)} rtt=${rtt} missed=${t.consecutiveMisses}`
}

export function gapLine(gap: HistoryGap): string {
  const why = gap.reason === 'restarted' ? 'the node restarted' : 'its history no longer holds them'
  // After a restart the node replays its new run when it still holds it, else sends a snapshot.
  return `missed transitions after ${gap.requestedAfter} (${why}): the node's current view follows`
}

function round1(n: number): number {
  return Math.round(n * 10) / 10
}

/** A HistoryGap as one `--json` line, so a JSON consumer sees the gap too. */
export function gapJson(gap: HistoryGap): {
  event: 'gap'
  reason: string
  requested_after: number
  oldest_available: number
} {
  return {
    event: 'gap',
    reason: gap.reason,
    requested_after: Number(gap.requestedAfter),
    oldest_available: Number(gap.oldestAvailable),
  }
}
