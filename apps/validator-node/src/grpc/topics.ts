import type { GossipKind } from '@paraloom/p2p'
import { Topic } from '@paraloom/proto'

/** The gossip kind a gRPC `Topic` names; `undefined` for TOPIC_UNSPECIFIED and unknown values. */
export const KIND_OF_TOPIC: Partial<Record<Topic, GossipKind>> = {
  [Topic.TOPIC_BLOCKS]: 'blocks',
  [Topic.TOPIC_VOTES]: 'votes',
  [Topic.TOPIC_RESULTS]: 'results',
}

/** The gRPC `Topic` of each gossip kind. */
export const TOPIC_OF_KIND: Record<GossipKind, Topic> = {
  blocks: Topic.TOPIC_BLOCKS,
  votes: Topic.TOPIC_VOTES,
  results: Topic.TOPIC_RESULTS,
}
