import { createHash } from 'node:crypto'
/**
 * The three gossip topics per network and, for each, its wire type (which
 * carries the topic's size cap) and where its network field lives. Mapped
 * types over `GossipKind`, so a new topic does not compile until all of this
 * is chosen for it.
 */
import {
  BlockProposal,
  ComputeJobResult,
  type Network,
  type SignedWireType,
  Vote,
} from '@paraloom/codec'
import type { GossipKind } from '../constants.js'

/** The value carried on each topic. */
export interface GossipValues {
  blocks: BlockProposal
  votes: Vote
  results: ComputeJobResult
}

/** The wire type of each topic's messages: how they encode, decode and sign. */
export const GOSSIP_WIRE_TYPES: {
  readonly [K in GossipKind]: SignedWireType<GossipValues[K]>
} = {
  blocks: BlockProposal,
  votes: Vote,
  results: ComputeJobResult,
}

/** Size cap of one message per topic, in bytes: its wire type's (wire.md: 1 MiB, 4 KiB, 256 KiB). */
export const GOSSIP_MAX_BYTES: { readonly [K in GossipKind]: number } = {
  blocks: GOSSIP_WIRE_TYPES.blocks.maxBytes,
  votes: GOSSIP_WIRE_TYPES.votes.maxBytes,
  results: GOSSIP_WIRE_TYPES.results.maxBytes,
}

export interface TopicSpec<K extends GossipKind> {
  /** Its wire type; `type.maxBytes` is the topic's size cap. */
  type: SignedWireType<GossipValues[K]>
  network(value: GossipValues[K]): Network
}

export const TOPIC_SPECS: { readonly [K in GossipKind]: TopicSpec<K> } = {
  blocks: { type: GOSSIP_WIRE_TYPES.blocks, network: (v) => v.header.network },
  votes: { type: GOSSIP_WIRE_TYPES.votes, network: (v) => v.network },
  results: { type: GOSSIP_WIRE_TYPES.results, network: (v) => v.network },
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
