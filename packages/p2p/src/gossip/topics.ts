import { createHash } from 'node:crypto'
/**
 * The three gossip topics per network and, for each, its wire type, size cap
 * and where its network field lives. A mapped type over `GossipKind`, so a new
 * topic does not compile until all of this is chosen for it.
 */
import { BlockProposal, ComputeJobResult, type SignedWireType, Vote } from '@paraloom/codec'
import { GOSSIP_MAX_BYTES, type GossipKind, type WireNetwork } from '../constants.js'

/** The value carried on each topic. */
export interface GossipValues {
  blocks: BlockProposal
  votes: Vote
  results: ComputeJobResult
}

export interface TopicSpec<K extends GossipKind> {
  type: SignedWireType<GossipValues[K]>
  /** Size cap of one message, in bytes. */
  maxBytes: number
  network(value: GossipValues[K]): WireNetwork
}

export const TOPIC_SPECS: { readonly [K in GossipKind]: TopicSpec<K> } = {
  blocks: {
    type: BlockProposal,
    maxBytes: GOSSIP_MAX_BYTES.blocks,
    network: (v) => v.header.network,
  },
  votes: { type: Vote, maxBytes: GOSSIP_MAX_BYTES.votes, network: (v) => v.network },
  results: {
    type: ComputeJobResult,
    maxBytes: GOSSIP_MAX_BYTES.results,
    network: (v) => v.network,
  },
}

/**
 * The gossipsub message id on Paraloom topics: SHA-256 of the topic name,
 * then the payload. Content-addressed, so the same bytes are one message.
 */
export function gossipMessageId(topic: string, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(topic).update(data).digest()
}

/**
 * Ids computed by {@link messageIdFn}, by the payload array gossipsub hands
 * on to the topic validator and delivery (and returns from publish), so the
 * id is hashed once per message. Weak, so it holds nothing alive.
 */
const computedIds = new WeakMap<Uint8Array, Uint8Array>()

/** Gossipsub's `msgIdFn`: {@link gossipMessageId}, remembered for {@link messageIdOf}. */
export function messageIdFn(msg: { topic: string; data: Uint8Array }): Uint8Array {
  const id = gossipMessageId(msg.topic, msg.data)
  computedIds.set(msg.data, id)
  return id
}

/** The id of a message whose id gossipsub computed already (else computed now). */
export function messageIdOf(topic: string, data: Uint8Array): Uint8Array {
  return computedIds.get(data) ?? gossipMessageId(topic, data)
}
