/**
 * The gossip topic validator as a pure function (network.md, "Gossip" and
 * "Signing policy"). Gossipsub runs StrictNoSign: a message carries no
 * gossip-level author or signature, so its payload's own signature is the
 * only proof of who wrote it, and it is checked here, once per message id.
 * Reject: over the topic's cap, does not decode, wrong network, signer not an
 * active validator, bad signature. Ignore: a duplicate. Accept: everything else.
 */

import { verifyEncoded } from '@paraloom/codec'
import type { GossipKind, WireNetwork } from '../constants.js'
import type { SeenCache } from './seen-cache.js'
import { type GossipValues, TOPIC_SPECS } from './topics.js'

export type ValidationResult = 'accept' | 'reject' | 'ignore'

export type Verdict<K extends GossipKind> =
  | {
      result: 'accept'
      value: GossipValues[K]
      /** The payload's signer (voter, proposer, executor): the message's author. */
      signer: Uint8Array
    }
  | {
      result: 'reject' | 'ignore'
      reason: string
      /**
       * Set when no honest node could have sent it: a message over its topic's
       * cap is a protocol constant broken on purpose, and since relays forward
       * only accepted messages, its sender is the one who built it.
       */
      violation?: true
      /**
       * Set when no honest relay forwards it (it does not decode, names
       * another network, or its signature does not verify): relays check
       * all three, so the sender built it. Tolerated a few times, then banned.
       */
      malformed?: true
    }

export interface ValidationContext {
  network: WireNetwork
  isActiveValidator(publicKey: Uint8Array): boolean
  seen: SeenCache
}

/**
 * `messageId` is the message's gossipsub id (`gossipMessageId`), which the
 * seen cache remembers; the caller has it from gossipsub already.
 */
export function validateGossip<K extends GossipKind>(
  kind: K,
  data: Uint8Array,
  messageId: Uint8Array,
  context: ValidationContext,
): Verdict<K> {
  const spec = TOPIC_SPECS[kind]
  const reject = (reason: string): Verdict<K> => ({ result: 'reject', reason })
  const malformed = (reason: string): Verdict<K> => ({ result: 'reject', reason, malformed: true })
  if (data.length > spec.maxBytes) {
    return {
      result: 'reject',
      reason: `${data.length} bytes, over the ${spec.maxBytes}-byte cap`,
      violation: true,
    }
  }
  let value: GossipValues[K]
  try {
    value = spec.type.decode(data, { maxBytes: spec.maxBytes })
  } catch (err) {
    return malformed(`does not decode as ${spec.type.name}: ${(err as Error).message}`)
  }
  const network = spec.network(value)
  if (network !== context.network)
    return malformed(`network ${network}, expected ${context.network}`)
  const signer = spec.type.signer(value)
  if (!context.isActiveValidator(signer)) return reject('signer is not an active validator')
  // The received bytes, not a re-encoding: only the encoding that was signed is accepted.
  if (!verifyEncoded(spec.type, data, signer)) return malformed('signature does not verify')
  if (!context.seen.add(messageId)) return { result: 'ignore', reason: 'duplicate' }
  return { result: 'accept', value, signer }
}
