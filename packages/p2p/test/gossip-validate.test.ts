// The gossip topic validator: each Reject rule, the Ignore rule, Accept.
import { describe, expect, it } from '@jest/globals'
import { Vote } from '@paraloom/codec'
import { SeenCache } from '../src/gossip/seen-cache.js'
import { validateGossip } from '../src/gossip/validate.js'
import { GOSSIP_MAX_BYTES, peerIdFromPublicKeyBytes } from '../src/index.js'
import { makeValidator, signedVote } from './helpers/nodes.js'

const voter = makeValidator()
const outsider = makeValidator()
const active = new Set([Buffer.from(voter.publicKey).toString('hex')])
const context = () => ({
  network: 'Localnet' as const,
  isActiveValidator: (key: Uint8Array) => active.has(Buffer.from(key).toString('hex')),
  seen: new SeenCache(8),
})
const from = peerIdFromPublicKeyBytes(voter.publicKey)

describe('validateGossip', () => {
  it('accepts a vote signed by an active validator that is the sender, then ignores the duplicate', () => {
    const ctx = context()
    const bytes = Vote.encode(signedVote(voter, 1n))
    const first = validateGossip('votes', bytes, from, ctx)
    expect(first.result).toBe('accept')
    expect(first.result === 'accept' && first.value.height).toBe(1n)
    expect(validateGossip('votes', bytes, from, ctx)).toMatchObject({
      result: 'ignore',
      reason: 'duplicate',
    })
  })

  const tampered = (): Uint8Array => {
    const bytes = Vote.encode(signedVote(voter, 2n))
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
    return bytes
  }

  it.each([
    ['over the cap', () => new Uint8Array(GOSSIP_MAX_BYTES.votes + 1), from, /cap/],
    ['garbage', () => Uint8Array.of(1, 2, 3), from, /does not decode/],
    ['another network', () => Vote.encode(signedVote(voter, 1n, 'devnet')), from, /network/],
    [
      'an unregistered signer',
      () => Vote.encode(signedVote(outsider, 1n)),
      peerIdFromPublicKeyBytes(outsider.publicKey),
      /not an active validator/,
    ],
    ['a bad signature', tampered, from, /signature/],
    [
      'a signer that is not the sender',
      () => Vote.encode(signedVote(voter, 3n)),
      peerIdFromPublicKeyBytes(outsider.publicKey),
      /not the gossip sender/,
    ],
    ['no sender', () => Vote.encode(signedVote(voter, 4n)), undefined, /not the gossip sender/],
  ] as const)('rejects %s', (_, make, sender, why) => {
    const verdict = validateGossip('votes', make(), sender, context())
    expect(verdict.result).toBe('reject')
    expect(verdict.result !== 'accept' && verdict.reason).toMatch(why)
    // Only the oversize message is a violation no honest node commits (banned at once).
    expect(verdict.result !== 'accept' && verdict.violation === true).toBe(_ === 'over the cap')
  })

  it('forgets the oldest digest beyond its capacity', () => {
    const seen = new SeenCache(2)
    expect(seen.add(Uint8Array.of(1))).toBe(true)
    expect(seen.add(Uint8Array.of(2))).toBe(true)
    expect(seen.add(Uint8Array.of(3))).toBe(true)
    expect(seen.add(Uint8Array.of(1))).toBe(true)
    expect(seen.add(Uint8Array.of(3))).toBe(false)
  })
})
