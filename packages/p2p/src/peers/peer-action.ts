/**
 * What a peer did wrong, how much it costs, and when the sum is a ban
 * (network.md, "Request/response" and "Gossip"). Shaped like Lodestar's
 * `network/peers/score`: an enum of actions whose comments say roughly how
 * many earn a ban, and a pure score → state function.
 */

/** How bad one misbehaviour is. */
export enum PeerAction {
  /** No honest node does this even once (a frame declared over its cap): ban at once. */
  Fatal = 'Fatal',
  /** About 5 of these earn a ban (a malformed request frame). */
  LowToleranceError = 'LowToleranceError',
  /** About 10 of these earn a ban (a request stream held past its deadline). */
  MidToleranceError = 'MidToleranceError',
  /** About 50 of these earn a ban (a request refused for being over the rate or busy limits). */
  HighToleranceError = 'HighToleranceError',
}

/** Score added per action; the score starts at 0 and decays back towards it. */
export const PEER_ACTION_SCORE: Readonly<Record<PeerAction, number>> = {
  [PeerAction.Fatal]: -100,
  [PeerAction.LowToleranceError]: -10,
  [PeerAction.MidToleranceError]: -5,
  [PeerAction.HighToleranceError]: -1,
}

/** Lowest score; also the score of a Fatal action. */
export const MIN_SCORE = -100
/** At or below this score a peer is banned. */
export const BAN_SCORE = -50

/**
 * Why a peer was punished: the closed set of `reason` label values of
 * `paraloom_peer_bans_total`. Add one here and every switch over it must say
 * what it costs.
 */
export const PEER_OFFENCES = [
  /** A gossip message over its topic's cap. */
  'oversize_gossip',
  /** Gossip no honest relay forwards: undecodable, another network's, or badly signed. */
  'malformed_gossip',
  /** Its gossipsub score sank below the disconnect threshold. */
  'gossip_score',
  /** A request frame whose length prefix is over the request cap. */
  'oversize_request',
  /** A request frame that is malformed or does not decode. */
  'malformed_request',
  /** A request stream that did not deliver its frame before the deadline. */
  'request_timeout',
  /** A request refused: over the per-peer rate or concurrency limits. */
  'rate_limited',
] as const

export type PeerOffence = (typeof PEER_OFFENCES)[number]

export type PeerScoreState = 'healthy' | 'banned'

/** Pure: the state a peer with `score` is in. */
export function scoreToState(score: number): PeerScoreState {
  return score <= BAN_SCORE ? 'banned' : 'healthy'
}
