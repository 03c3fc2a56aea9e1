/**
 * The gossip topic validator as a pure function (network.md, "Gossip").
 * Reject: over the topic's cap, does not decode, wrong network, signer not an
 * active validator, bad signature, signer is not the gossip `from` peer.
 * Ignore: a duplicate. Accept: everything else.
 */

import type { PeerId } from '@libp2p/interface'
import { verify } from '@paraloom/codec'
import { equals } from 'uint8arrays/equals'
import type { GossipKind, WireNetwork } from '../constants.js'
import type { SeenCache } from './seen-cache.js'
import { type GossipValues, TOPIC_SPECS } from './topics.js'

export type ValidationResult = 'accept' | 'reject' | 'ignore'

export type Verdict<K extends GossipKind> =
  | { result: 'accept'; value: GossipValues[K] }
  | {
      result: 'reject' | 'ignore'
      reason: string
      /**
       * Set when no honest node could have sent it: a message over its topic's
       * cap is a protocol constant broken on purpose, and since relays forward
       * only accepted messages, its sender is the one who built it.
       */
      violation?: true
    }

export interface ValidationContext {
  network: WireNetwork
  isActiveValidator(publicKey: Uint8Array): boolean
  seen: SeenCache
}

export function validateGossip<K extends GossipKind>(
  kind: K,
  data: Uint8Array,
  from: PeerId | undefined,
  context: ValidationContext,
): Verdict<K> {
  const spec = TOPIC_SPECS[kind]
  const reject = (reason: string): Verdict<K> => ({ result: 'reject', reason })
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
    return reject(`does not decode as ${spec.type.name}: ${(err as Error).message}`)
  }
  const network = spec.network(value)
  if (network !== context.network) return reject(`network ${network}, expected ${context.network}`)
  const signer = spec.type.signer(value)
  if (!context.isActiveValidator(signer)) return reject('signer is not an active validator')
  if (!verify(spec.type, value)) return reject('signature does not verify')
  if (from?.type !== 'Ed25519' || !equals(from.publicKey.raw, signer)) {
    return reject('signer is not the gossip sender')
  }
  if (!context.seen.add(data)) return { result: 'ignore', reason: 'duplicate' }
  return { result: 'accept', value }
}
