// The gossip topic validator: each Reject rule, the Ignore rule, Accept.
// Under StrictNoSign the payload's signature is the only proof of authorship.
import { describe, expect, it } from '@jest/globals'
import { sign, Vote } from '@paraloom/codec'
import { BytesCache } from '../src/gossip/bytes-cache.js'
import { SeenCache } from '../src/gossip/seen-cache.js'
import { SignerIds } from '../src/gossip/signer-ids.js'
import { gossipMessageId } from '../src/gossip/topics.js'
import { validateGossip } from '../src/gossip/validate.js'
import {
  GOSSIP_MAX_BYTES,
  GOSSIP_REJECT_REASONS,
  GossipRejectReason,
  gossipTopic,
  peerIdFromPublicKeyBytes,
} from '../src/index.js'
import { makeValidator, signedVote } from './helpers/nodes.js'

const voter = makeValidator()
const outsider = makeValidator()
const active = new Set([Buffer.from(voter.publicKey).toString('hex')])
const context = () => ({
  network: 'Localnet' as const,
  isActiveValidator: (key: Uint8Array) => active.has(Buffer.from(key).toString('hex')),
  seen: new SeenCache(8),
})
const id = (bytes: Uint8Array) => gossipMessageId(gossipTopic('localnet', 'votes'), bytes)
const check = (bytes: Uint8Array, ctx = context()) => validateGossip('votes', bytes, id(bytes), ctx)

describe('validateGossip', () => {
  it('accepts a vote signed by an active validator, names its signer, then ignores the duplicate', () => {
    const ctx = context()
    const bytes = Vote.encode(signedVote(voter, 1n))
    const first = check(bytes, ctx)
    expect(first.result).toBe('accept')
    expect(first.result === 'accept' && first.value.height).toBe(1n)
    expect(first.result === 'accept' && first.signer).toEqual(voter.publicKey)
    expect(check(bytes, ctx)).toMatchObject({
      result: 'ignore',
      code: GossipRejectReason.Duplicate,
      reason: 'duplicate',
    })
  })

  it('rejects a vote signed by another key than its voter, however it arrives', () => {
    // StrictNoSign: no gossip-level signature, so a relay could claim anything in
    // the payload; only the payload signature decides.
    const forged = sign(Vote, { ...signedVote(voter, 5n) }, outsider.secretKey)
    expect(check(Vote.encode(forged))).toMatchObject({ result: 'reject' })
    const unsigned = { ...signedVote(voter, 6n), signature: new Uint8Array(64) }
    expect(check(Vote.encode(unsigned))).toMatchObject({ result: 'reject' })
  })

  const tampered = (): Uint8Array => {
    const bytes = Vote.encode(signedVote(voter, 2n))
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
    return bytes
  }

  const atCap = (): Uint8Array => {
    // A vote is fixed-size; exactly the cap is still decoded (and fails as trailing bytes).
    const bytes = new Uint8Array(GOSSIP_MAX_BYTES.votes)
    bytes.set(Vote.encode(signedVote(voter, 8n)))
    return bytes
  }

  const { TooLarge, Undecodable, WrongNetwork, UnknownSigner, BadSignature } = GossipRejectReason
  it.each([
    ['over the cap', () => new Uint8Array(GOSSIP_MAX_BYTES.votes + 1), /cap/, TooLarge],
    ['exactly the cap, not a vote', atCap, /does not decode/, Undecodable],
    ['garbage', () => Uint8Array.of(1, 2, 3), /does not decode/, Undecodable],
    ['empty', () => new Uint8Array(0), /does not decode/, Undecodable],
    [
      'a truncated vote',
      () => Vote.encode(signedVote(voter, 9n)).subarray(0, 100),
      /decode/,
      Undecodable,
    ],
    [
      'another network',
      () => Vote.encode(signedVote(voter, 1n, 'devnet')),
      /network/,
      WrongNetwork,
    ],
    [
      'an unregistered signer',
      () => Vote.encode(signedVote(outsider, 1n)),
      /not an active/,
      UnknownSigner,
    ],
    ['a bad signature', tampered, /signature/, BadSignature],
  ] as const)('rejects %s', (_, make, why, code) => {
    const verdict = check(make())
    expect(verdict.result).toBe('reject')
    expect(verdict.result !== 'accept' && verdict.reason).toMatch(why)
    // The closed reason code, the metric label and log field; never free text.
    expect(verdict.result !== 'accept' && verdict.code).toBe(code)
    expect(GOSSIP_REJECT_REASONS).toContain(code)
    // Only the oversize message is a violation no honest node commits (banned at once).
    expect(verdict.result !== 'accept' && verdict.violation === true).toBe(_ === 'over the cap')
    // What no honest relay forwards counts against the sender; an unregistered
    // signer does not (an honest relay may see a registry change before us).
    const forged = _ !== 'over the cap' && _ !== 'an unregistered signer'
    expect(verdict.result !== 'accept' && verdict.malformed === true).toBe(forged)
  })

  it('forgets the oldest message id beyond its capacity', () => {
    const seen = new SeenCache(2)
    expect(seen.add(Uint8Array.of(1))).toBe(true)
    expect(seen.add(Uint8Array.of(2))).toBe(true)
    expect(seen.add(Uint8Array.of(3))).toBe(true)
    expect(seen.add(Uint8Array.of(1))).toBe(true)
    expect(seen.add(Uint8Array.of(3))).toBe(false)
  })
})

describe('BytesCache and SignerIds', () => {
  it('keeps at most its capacity and refuses a capacity that is not a positive integer', () => {
    const cache = new BytesCache<number>(3)
    for (let i = 0; i < 10; i++) cache.add(Uint8Array.of(i), i)
    expect(cache.size).toBe(3)
    expect(cache.get(Uint8Array.of(9))).toBe(9)
    expect(cache.get(Uint8Array.of(0))).toBeUndefined()
    // Keys are the bytes, not the array: a view of other bytes is another key.
    expect(cache.get(new Uint8Array([7, 8, 9]).subarray(2))).toBe(9)
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => new BytesCache(bad)).toThrow(RangeError)
  })

  it('gives the PeerId of a signer key, the same object for the same key', () => {
    const ids = new SignerIds(2)
    const first = ids.get(voter.publicKey)
    expect(first.equals(peerIdFromPublicKeyBytes(voter.publicKey))).toBe(true)
    expect(ids.get(Uint8Array.from(voter.publicKey))).toBe(first)
    expect(ids.get(outsider.publicKey).equals(first)).toBe(false)
  })
})
