// encode's output buffers, encodeInto and encodedSize.
import { describe, expect, it } from '@jest/globals'
import {
  BlockProposal,
  fromHex,
  InvalidValueError,
  StateSyncResponse,
  toHex,
  Vote,
} from '../src/index.js'
import { vectors } from './vectors.js'

const decoded = <T>(type: { decode(b: Uint8Array, o?: object): T }, name: string): T =>
  type.decode(fromHex(vectors.valid.find((v) => v.name === name)!.hex), { maxBytes: 1 << 24 })

describe('encode', () => {
  const vote = decoded(Vote, 'vote-prevote')

  it('returns a plain Uint8Array of exactly the encoded length, each its own bytes', () => {
    const a = Vote.encode(vote)
    const b = Vote.encode(vote)
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype)
    expect(a.byteLength).toBe(Vote.encodedSize(vote))
    // Small outputs share slabs: writing one must not touch another.
    a.fill(0)
    expect(toHex(b)).toBe(toHex(Vote.encode(vote)))
  })

  it('encodes outputs too large for the shared slabs (own, unzeroed buffer) exactly', () => {
    const block = decoded(BlockProposal, 'block-3tx')
    const big = { ...block, transactions: Array.from({ length: 40 }, () => new Uint8Array(300)) }
    const bytes = BlockProposal.encode(big)
    expect(bytes.length).toBeGreaterThan(8 * 1024)
    expect(BlockProposal.decode(bytes).transactions).toEqual(big.transactions)
  })

  it('throws rather than return unwritten bytes when a value changes while encoding', () => {
    const block = decoded(BlockProposal, 'block-3tx')
    let reads = 0
    // A getter that shrinks the transactions between the size pass and the write pass.
    const shifty = {
      ...block,
      get transactions() {
        reads++
        return reads === 1 ? block.transactions : block.transactions.slice(1)
      },
    }
    expect(() => BlockProposal.encode(shifty)).toThrow(/changed while encoding/)
  })
})

describe('encodeInto', () => {
  const response = decoded(StateSyncResponse, 'sync-response')
  const expected = StateSyncResponse.encode(response)

  it('writes the bytes of encode at the offset, returns their count, and touches nothing else', () => {
    const buffer = new Uint8Array(expected.length + 10).fill(0xee)
    expect(StateSyncResponse.encodeInto(response, buffer, 3)).toBe(expected.length)
    expect(toHex(buffer.subarray(3, 3 + expected.length))).toBe(toHex(expected))
    expect([...buffer.subarray(0, 3), ...buffer.subarray(3 + expected.length)]).toEqual(
      Array(10).fill(0xee),
    )
    expect(StateSyncResponse.encodeInto(response, buffer)).toBe(expected.length)
    expect(toHex(buffer.subarray(0, expected.length))).toBe(toHex(expected))
  })

  it('throws RangeError and writes nothing when the value does not fit after the offset', () => {
    const buffer = new Uint8Array(expected.length + 1)
    expect(() => StateSyncResponse.encodeInto(response, buffer, 2)).toThrow(RangeError)
    expect(buffer.every((b) => b === 0)).toBe(true)
    expect(() => StateSyncResponse.encodeInto(response, buffer, 1)).not.toThrow()
  })

  it('throws on an offset outside the buffer or a buffer that is not a Uint8Array', () => {
    const buffer = new Uint8Array(expected.length * 2)
    for (const offset of [-1, 1.5, Number.NaN, buffer.length + 1]) {
      expect(() => StateSyncResponse.encodeInto(response, buffer, offset)).toThrow(RangeError)
    }
    expect(() => StateSyncResponse.encodeInto(response, [] as never)).toThrow(TypeError)
  })

  it('checks the value like encode, naming the path', () => {
    const vote = decoded(Vote, 'vote-prevote')
    const err = (() => {
      try {
        Vote.encodeInto({ ...vote, round: -1 }, new Uint8Array(512))
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(InvalidValueError)
    expect((err as InvalidValueError).path).toBe('$.round')
  })
})
