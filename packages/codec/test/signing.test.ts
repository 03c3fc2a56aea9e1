import { randomBytes } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  BlockProposal,
  ComputeJobResult,
  fromHex,
  InvalidValueError,
  publicKeyFromSecret,
  type SignedWireType,
  sign,
  toHex,
  ValidatorRecord,
  Vote,
  verify,
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
