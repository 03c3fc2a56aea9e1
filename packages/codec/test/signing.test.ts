import { randomBytes } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  BlockProposal,
  ComputeJobResult,
  cachedPublicKeyCount,
  fromHex,
  InvalidValueError,
  PUBLIC_KEY_CACHE_SIZE,
  publicKeyFromSecret,
  type SignedWireType,
  sign,
  toHex,
  ValidatorRecord,
  Vote,
  verify,
  verifyEncoded,
} from '../src/index.js'
import { arbitraries } from './arbitraries.js'

type Signed = { signature: Uint8Array }

/** Each signed type with a setter for its signer key. */
const signedTypes: Array<[SignedWireType<Signed>, (value: Signed, key: Uint8Array) => Signed]> = [
  [
    BlockProposal as never,
    (v, key) => ({ ...v, header: { ...(v as never as BlockProposal).header, proposer: key } }),
  ],
  [Vote as never, (v, key) => ({ ...v, voter: key })],
  [ComputeJobResult as never, (v, key) => ({ ...v, executor: key })],
  [ValidatorRecord as never, (v, key) => ({ ...v, identity: key })],
]

describe('publicKeyFromSecret', () => {
  it('matches RFC 8032 test 1', () => {
    const secret = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
    expect(toHex(publicKeyFromSecret(secret))).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    )
  })

  it('rejects a secret that is not a 32-byte seed', () => {
    expect(() => publicKeyFromSecret(new Uint8Array(64))).toThrow(InvalidValueError)
  })
})

describe.each(
  signedTypes.map(([type, setSigner]) => [type.name, type, setSigner] as const),
)('%s signatures', (name, type, setSigner) => {
  const arbitrary = arbitraries[name as keyof typeof arbitraries] as fc.Arbitrary<Signed>
  const secret = randomBytes(32)
  const signer = publicKeyFromSecret(secret)

  it('signingBytes are the domain tag then the encoding without the signature', () => {
    fc.assert(
      fc.property(arbitrary, (value) => {
        const encoded = type.encode(value)
        const expected = Buffer.concat([Buffer.from(type.domain), encoded.subarray(0, -64)])
        expect(toHex(type.signingBytes(value))).toBe(expected.toString('hex'))
        expect(toHex(encoded.subarray(-64))).toBe(toHex(value.signature))
      }),
      { numRuns: 50 },
    )
  })

  it('sign then verify holds; any change to the signed bytes breaks it', () => {
    fc.assert(
      fc.property(arbitrary, fc.nat(), (value, at) => {
        const signed = sign(type, setSigner(value, signer), secret)
        expect(verify(type, signed)).toBe(true)
        // Flip one byte of the encoding outside the signature and decode it back.
        const bytes = type.encode(signed).slice()
        const i = at % (bytes.length - 64)
        bytes[i] = bytes[i]! ^ 1
        let tampered: Signed
        try {
          tampered = type.decode(bytes, { maxBytes: bytes.length })
        } catch {
          return // the flip made it undecodable, which also rejects it
        }
        expect(verify(type, tampered)).toBe(false)
      }),
      { numRuns: 30 },
    )
  })

  it('verify is false for another signer, a bad signature or a malformed key, and never throws', () => {
    const value = fc.sample(arbitrary, { numRuns: 1, seed: 7 })[0]!
    const signed = sign(type, setSigner(value, signer), secret)
    const other = publicKeyFromSecret(randomBytes(32))
    expect(verify(type, setSigner(signed, other))).toBe(false)
    expect(verify(type, { ...signed, signature: new Uint8Array(64) })).toBe(false)
    expect(verify(type, { ...signed, signature: signed.signature.subarray(0, 63) })).toBe(false)
    expect(verify(type, setSigner(signed, new Uint8Array(31)))).toBe(false)
    expect(verify(type, { ...signed, signature: undefined } as never)).toBe(false)
  })

  it('verifyEncoded checks the received bytes: true exactly when verify is', () => {
    fc.assert(
      fc.property(arbitrary, fc.nat(), (value, at) => {
        const signed = sign(type, setSigner(value, signer), secret)
        const bytes = type.encode(signed)
        expect(verifyEncoded(type, bytes, signer)).toBe(true)
        expect(verifyEncoded(type, bytes, publicKeyFromSecret(randomBytes(32)))).toBe(false)
        // Any flipped byte, signed part or signature, breaks it.
        const tampered = bytes.slice()
        tampered[at % tampered.length] = tampered[at % tampered.length]! ^ 1
        expect(verifyEncoded(type, tampered, signer)).toBe(false)
      }),
      { numRuns: 30 },
    )
  })

  it('verifyEncoded is false for truncated or garbage bytes and a malformed key, and never throws', () => {
    const value = fc.sample(arbitrary, { numRuns: 1, seed: 7 })[0]!
    const bytes = type.encode(sign(type, setSigner(value, signer), secret))
    expect(verifyEncoded(type, bytes.subarray(0, bytes.length - 1), signer)).toBe(false)
    expect(verifyEncoded(type, bytes.subarray(0, 63), signer)).toBe(false)
    expect(verifyEncoded(type, new Uint8Array(0), signer)).toBe(false)
    expect(verifyEncoded(type, randomBytes(200), signer)).toBe(false)
    expect(verifyEncoded(type, bytes, new Uint8Array(31))).toBe(false)
    expect(verifyEncoded(type, bytes, undefined as never)).toBe(false)
  })
})

describe('key objects', () => {
  const vote = (voter: Uint8Array): Vote => ({
    ...(fc.sample(arbitraries.Vote, { numRuns: 1, seed: 3 })[0] as Vote),
    voter,
  })

  it('the public key cache stays within its bound and still verifies keys it evicted', () => {
    const first = randomBytes(32)
    const firstVote = sign(Vote, vote(publicKeyFromSecret(first)), first)
    expect(verify(Vote, firstVote)).toBe(true)
    for (let i = 0; i <= PUBLIC_KEY_CACHE_SIZE; i++) {
      const signed = { ...firstVote, voter: new Uint8Array(randomBytes(32)) }
      expect(verify(Vote, signed)).toBe(false)
      expect(cachedPublicKeyCount()).toBeLessThanOrEqual(PUBLIC_KEY_CACHE_SIZE)
    }
    // The first key was evicted; it is built again and still verifies, and a wrong one still fails.
    expect(verify(Vote, firstVote)).toBe(true)
    expect(verify(Vote, { ...firstVote, signature: new Uint8Array(64) })).toBe(false)
  })

  it('a secret-key array whose bytes change signs with the new key', () => {
    const secret = new Uint8Array(randomBytes(32))
    const before = sign(Vote, vote(publicKeyFromSecret(secret)), secret)
    expect(verify(Vote, before)).toBe(true)
    secret.set(randomBytes(32))
    const after = sign(Vote, vote(publicKeyFromSecret(secret)), secret)
    expect(verify(Vote, after)).toBe(true)
    expect(verify(Vote, { ...after, voter: before.voter })).toBe(false)
  })
})

describe('sign', () => {
  it('returns a copy and leaves the input alone', () => {
    const value = fc.sample(arbitraries.Vote, { numRuns: 1, seed: 1 })[0] as Vote
    const before = toHex(value.signature)
    const signed = sign(Vote, value, randomBytes(32))
    expect(signed).not.toBe(value)
    expect(toHex(value.signature)).toBe(before)
  })

  it('rejects a secret that is not a 32-byte seed', () => {
    const value = fc.sample(arbitraries.Vote, { numRuns: 1, seed: 1 })[0] as Vote
    expect(() => sign(Vote, value, new Uint8Array(16))).toThrow(InvalidValueError)
  })
})
