/**
 * The gossip topic validator as a pure function (network.md, "Gossip" and
 * "Signing policy"). Gossipsub runs StrictNoSign: a message carries no
 * gossip-level author or signature, so its payload's own signature is the
 * only proof of who wrote it, and it is checked here, once per message id.
 * Reject: over the topic's cap, does not decode, wrong network, signer not an
 * active validator, bad signature. Ignore: a duplicate. Accept: everything else.
 */

import { type Network, verifyEncoded } from '@paraloom/codec'
import type { GossipKind } from '../constants.js'
import type { SeenCache } from './seen-cache.js'
import { type GossipValues, TOPIC_SPECS } from './topics.js'

export type ValidationResult = 'accept' | 'reject' | 'ignore'

/**
 * Why a message was not accepted: a closed set, so it can be both a log
 * field and the bounded `reason` label of the gossip rejection metric
 * (Lodestar's gossip validation error codes). Add one here and the metric's
 * label set grows with it.
 */
export const GossipRejectReason = {
  /** Over its topic's size cap (a protocol constant broken on purpose): reject. */
  TooLarge: 'too_large',
  /** Does not decode as the topic's wire type: reject. */
  Undecodable: 'undecodable',
  /** Names another network: reject. */
  WrongNetwork: 'wrong_network',
  /** Signed by a key that is not an active validator: reject. */
  UnknownSigner: 'unknown_signer',
  /** Its signature does not verify: reject. */
  BadSignature: 'bad_signature',
  /** Accepted before (same message id): ignore. */
  Duplicate: 'duplicate',
  /** The validator itself failed (a bug, not the message): ignore. */
  ValidatorError: 'validator_error',
} as const

/** One of the {@link GossipRejectReason} values. */
export type GossipRejectReason = (typeof GossipRejectReason)[keyof typeof GossipRejectReason]

/** Every reason, in a fixed order. */
export const GOSSIP_REJECT_REASONS: readonly GossipRejectReason[] =
  Object.values(GossipRejectReason)

export type Verdict<K extends GossipKind> =
  | {
      result: 'accept'
      value: GossipValues[K]
      /** The payload's signer (voter, proposer, executor): the message's author. */
      signer: Uint8Array
    }
  | {
      result: 'reject' | 'ignore'
      /** Why, as a metric label. */
      code: GossipRejectReason
      /** Why, for a person: the sizes, the decoder's message, the networks. */
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
  network: Network
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
  const reject = (code: GossipRejectReason, reason: string): Verdict<K> => ({
    result: 'reject',
    code,
    reason,
  })
  const malformed = (code: GossipRejectReason, reason: string): Verdict<K> => ({
    result: 'reject',
    code,
    reason,
    malformed: true,
  })
  const maxBytes = spec.type.maxBytes
  if (data.length > maxBytes) {
    return {
      result: 'reject',
      code: GossipRejectReason.TooLarge,
      reason: `${data.length} bytes, over the ${maxBytes}-byte cap`,
      violation: true,
    }
  }
  let value: GossipValues[K]
  try {
    value = spec.type.decode(data, { maxBytes })
  } catch (err) {
    return malformed(
      GossipRejectReason.Undecodable,
      `does not decode as ${spec.type.name}: ${(err as Error).message}`,
    )
  }
  const network = spec.network(value)
  if (network !== context.network) {
    return malformed(
      GossipRejectReason.WrongNetwork,
      `network ${network}, expected ${context.network}`,
    )
  }
  const signer = spec.type.signer(value)
  if (!context.isActiveValidator(signer))
    return reject(GossipRejectReason.UnknownSigner, 'signer is not an active validator')
  // The received bytes, not a re-encoding: only the encoding that was signed is accepted.
  if (!verifyEncoded(spec.type, data, signer))
    return malformed(GossipRejectReason.BadSignature, 'signature does not verify')
  if (!context.seen.add(messageId))
    return { result: 'ignore', code: GossipRejectReason.Duplicate, reason: 'duplicate' }
  return { result: 'accept', value, signer }
}
