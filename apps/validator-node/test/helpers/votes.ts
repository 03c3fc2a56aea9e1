// Signed gossip payloads for tests.
import { sign, Vote } from '@paraloom/codec'
import type { TestValidator } from './cluster.js'

let nextHeight = 1n

/**
 * The bincode of a Vote on devnet signed by `signer` (its voter unless
 * `overrides` says otherwise). Each call takes a new height, so no two are
 * the same message.
 */
export function signedVote(signer: TestValidator, overrides: Partial<Vote> = {}): Uint8Array {
  const unsigned: Vote = {
    network: 'Devnet',
    height: nextHeight++,
    round: 0,
    kind: 'Prevote',
    blockHash: new Uint8Array(32).fill(7),
    voter: signer.keypair.publicKey,
    signature: new Uint8Array(64),
    ...overrides,
  }
  return Vote.encode(sign(Vote, unsigned, signer.keypair.secretKey))
}
