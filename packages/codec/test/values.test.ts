// encode rejects values that do not fit the type; fromJson rejects bad JSON
// shapes; both name the path of the bad value.
import { describe, expect, it } from '@jest/globals'
import {
  BlockProposal,
  ComputeJobResult,
  fromHex,
  InvalidValueError,
  StateSyncResponse,
  Vote,
  WithdrawalProofResponse,
} from '../src/index.js'
import { thrown } from './thrown.js'
import { vectors } from './vectors.js'

const vectorValue = (name: string): Record<string, unknown> =>
  structuredClone(vectors.valid.find((v) => v.name === name)!.value) as Record<string, unknown>

const invalidValue = (fn: () => unknown): InvalidValueError => thrown(fn, InvalidValueError)

describe('encode checks values', () => {
  const vote = Vote.decode(fromHex(vectors.valid[0]!.hex))

  it.each([
    ['round', { round: 2 ** 32 }, '$.round'],
    ['round', { round: 1.5 }, '$.round'],
    ['height', { height: -1n }, '$.height'],
    ['height', { height: 2n ** 64n }, '$.height'],
    ['height', { height: 5 }, '$.height'],
    ['voter', { voter: new Uint8Array(31) }, '$.voter'],
    ['blockHash', { blockHash: new Uint8Array(33) }, '$.blockHash'],
    ['kind', { kind: 'Maybe' }, '$.kind'],
    ['network', { network: undefined }, '$.network'],
  ])('rejects a bad %s', (_field, patch, path) => {
    expect(invalidValue(() => Vote.encode({ ...vote, ...patch } as typeof vote)).path).toBe(path)
  })

  it('names nested paths', () => {
    const block = BlockProposal.fromJson(vectorValue('block-3tx'))
    const bad = { ...block, header: { ...block.header, timestampMs: 2n ** 63n } }
    const response = { tipHeight: 1n, blocks: [block, bad] }
    expect(invalidValue(() => StateSyncResponse.encode(response)).path).toBe(
      '$.blocks[1].header.timestampMs',
    )
    expect(
      invalidValue(() =>
        WithdrawalProofResponse.encode({
          type: 'Found',
          merkleRoot: new Uint8Array(32),
          leafIndex: 0n,
          siblings: [new Uint8Array(32), new Uint8Array(1)],
          proof: new Uint8Array(0),
        }),
      ).path,
    ).toBe('$.siblings[1]')
    expect(
      invalidValue(() => WithdrawalProofResponse.encode({ type: 'Lost' } as never)).reason,
    ).toMatch(/WithdrawalProofResponse variant/)
  })
})

describe('fromJson checks shapes', () => {
  it.each<[string, (v: Record<string, unknown>) => unknown, string]>([
    ['a missing field', ({ round: _, ...rest }) => rest, '$.round'],
    ['an unknown field', (v) => ({ ...v, extra: 1 }), '$.extra'],
    ['a u64 as a JSON number beyond 2^53', (v) => ({ ...v, height: 2 ** 60 }), '$.height'],
    ['a u64 above 2^64-1', (v) => ({ ...v, height: '18446744073709551616' }), '$.height'],
    ['a u64 that is not decimal', (v) => ({ ...v, height: '0x10' }), '$.height'],
    ['odd-length hex', (v) => ({ ...v, voter: 'abc' }), '$.voter'],
    ['non-hex', (v) => ({ ...v, voter: 'zz'.repeat(32) }), '$.voter'],
    ['a short hash', (v) => ({ ...v, block_hash: 'ab' }), '$.block_hash'],
    ['an unknown variant', (v) => ({ ...v, kind: 'Maybe' }), '$.kind'],
    ['an array instead of an object', () => [], '$'],
    ['null', () => null, '$'],
  ])('rejects %s', (_what, change, path) => {
    const json = change(vectorValue('vote-prevote'))
    expect(invalidValue(() => Vote.fromJson(json)).path).toBe(path)
  })

  it('accepts a u64 as an exact JSON number and hex in either case', () => {
    const json = { ...vectorValue('vote-prevote'), height: 7, voter: 'AB'.repeat(32) }
    const vote = Vote.fromJson(json)
    expect(vote.height).toBe(7n)
    expect(vote.voter[0]).toBe(0xab)
  })

  it('names paths inside enum variants and nested structs', () => {
    const result = vectorValue('result-completed')
    ;(result.outcome as { Completed: Record<string, unknown> }).Completed.output_hash = 'ab'
    expect(invalidValue(() => ComputeJobResult.fromJson(result)).path).toBe(
      '$.outcome.Completed.output_hash',
    )
    const block = vectorValue('block-3tx')
    ;(block.header as Record<string, unknown>).parent_hash = 1
    expect(invalidValue(() => BlockProposal.fromJson(block)).path).toBe('$.header.parent_hash')
  })

  it('rejects enum shapes that do not match the variant', () => {
    expect(invalidValue(() => WithdrawalProofResponse.fromJson('Found')).reason).toMatch(
      /has fields/,
    )
    expect(invalidValue(() => WithdrawalProofResponse.fromJson({ NotFound: {} })).path).toBe(
      '$.NotFound',
    )
    expect(() => WithdrawalProofResponse.fromJson({ Pending: {}, NotFound: {} })).toThrow(
      InvalidValueError,
    )
    expect(WithdrawalProofResponse.fromJson('NotFound')).toEqual({ type: 'NotFound' })
  })
})
