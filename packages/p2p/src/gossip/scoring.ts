/**
 * Peer-score parameters (network.md: "Rejects lower the sender's score and a
 * persistent spammer is pruned and then disconnected"). Each Reject counts
 * as an invalid delivery; the penalty is weight × count², so a handful of
 * garbage messages takes a peer below the graylist threshold (its RPCs are
 * then ignored) and below `DISCONNECT_SCORE`, where the node hangs up and
 * bans it. Penalties for quiet topics (too few mesh deliveries) are off:
 * votes and blocks come in bursts, and an honest peer must not be punished
 * for a quiet minute.
 */
import type {
  PeerScoreParams,
  PeerScoreThresholds,
  TopicScoreParams,
} from '@libp2p/gossipsub/score'

/** Score below which the node disconnects and bans a peer. */
export const DISCONNECT_SCORE = -100

export const SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -10,
  publishThreshold: -20,
  graylistThreshold: -40,
  acceptPXThreshold: 10,
  opportunisticGraftThreshold: 5,
}

const TOPIC_SCORE: Partial<TopicScoreParams> = {
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 100,
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  // 4 Rejects: -10 × 4² = -160, past DISCONNECT_SCORE; decays ~10%/s.
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.9,
}

export function scoreParams(topics: readonly string[]): Partial<PeerScoreParams> {
  return {
    topics: Object.fromEntries(topics.map((t) => [t, TOPIC_SCORE])) as Record<
      string,
      TopicScoreParams
    >,
    topicScoreCap: 10,
    // Validators are a permissioned set; a devnet runs many on one host.
    IPColocationFactorWeight: 0,
    behaviourPenaltyWeight: -1,
    behaviourPenaltyDecay: 0.9,
    decayInterval: 1000,
    decayToZero: 0.01,
    retainScore: 10 * 60 * 1000,
  }
}
