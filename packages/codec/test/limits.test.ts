// One test per limit and error code: each fails if its check is deleted.
import { describe, expect, it } from '@jest/globals'
import { compile } from '../src/compile.js'
import {
  BlockProposal,
  CodecError,
  ComputeJobResult,
  fromHex,
  InvalidValueError,
  StateSyncResponse,
  sizeCaps,
  ValidatorRecord,
  Vote,
  type WireType,
  type WireTypeName,
  WithdrawalProofResponse,
  wireTypes,
} from '../src/index.js'
import { bool, string, struct } from '../src/schema.js'
import { thrown } from './thrown.js'
import { vectors } from './vectors.js'

const codecError = (fn: () => unknown): CodecError => thrown(fn, CodecError)

function valid(name: string): Uint8Array {
  const v = vectors.valid.find((x) => x.name === name)
  if (v === undefined) throw new Error(`no vector ${name}`)
  return fromHex(v.hex)
}

/** `bytes` with the 8 bytes at `offset` replaced by `count` (little-endian u64). */
function withCount(bytes: Uint8Array, offset: number, count: bigint): Uint8Array {
  const out = bytes.slice()
  new DataView(out.buffer).setBigUint64(offset, count, true)
  return out
}

describe('size cap (wire.md rule 1)', () => {
  const defaults: Record<WireTypeName, number> = {
    BlockProposal: sizeCaps.block,
    Vote: 4 * 1024,
    ComputeJobResult: 256 * 1024,
    ValidatorRecord: 2 * 1024,
    StateSyncRequest: 64 * 1024,
    StateSyncResponse: 4 * 1024 * 1024,
    WithdrawalProofRequest: 64 * 1024,
    WithdrawalProofResponse: 4 * 1024 * 1024,
  }

  it.each(
    Object.entries(defaults),
  )('%s defaults to %i bytes, checked before decoding', (name, cap) => {
    const type: WireType<unknown> = wireTypes[name as WireTypeName]
    expect(type.maxBytes).toBe(cap)
    // Garbage one byte over the cap: TooLarge, not InvalidTag or Truncated.
    const err = codecError(() => type.decode(new Uint8Array(cap + 1).fill(0xff)))
    expect(err.code).toBe('TooLarge')
    expect(err.offset).toBe(cap)
  })

  it('options.maxBytes replaces the default, both ways', () => {
    const vote = valid('vote-prevote')
    expect(codecError(() => Vote.decode(vote, { maxBytes: vote.length - 1 })).code).toBe('TooLarge')
    expect(Vote.decode(vote, { maxBytes: vote.length })).toBeDefined()
    const big = valid('block-many-tx')
    expect(BlockProposal.decode(big, { maxBytes: big.length }).transactions.length).toBeGreaterThan(
      0,
    )
  })

  it('rejects a maxBytes that is not a non-negative integer', () => {
    for (const maxBytes of [-1, 1.5, Number.NaN]) {
      expect(() => Vote.decode(new Uint8Array(0), { maxBytes })).toThrow(InvalidValueError)
    }
  })
})

describe('declared lengths and counts (wire.md rules 2 and 4)', () => {
  // block-3tx: header is 152 bytes, then the u64 transaction count.
  const block = valid('block-3tx')

  it('a count of 2^64-1 fails as Truncated at the count', () => {
    const err = codecError(() => BlockProposal.decode(withCount(block, 152, 2n ** 64n - 1n)))
    expect(err.code).toBe('Truncated')
    expect(err.offset).toBe(152)
  })

  it('a count whose items cannot fit the remaining bytes fails before any item is read', () => {
    // Each Vec<u8> item is at least 8 bytes: the 112 bytes left hold at most 14.
    const remaining = block.length - 160
    const fits = Math.floor(remaining / 8)
    expect(
      codecError(() => BlockProposal.decode(withCount(block, 152, BigInt(fits + 1)))).offset,
    ).toBe(152)
    // A count that fits the bytes gets past the check and fails later, elsewhere.
    expect(
      codecError(() => BlockProposal.decode(withCount(block, 152, BigInt(fits)))).offset,
    ).not.toBe(152)
  })

  it('a byte length past the end fails as Truncated at the length', () => {
    const err = codecError(() => BlockProposal.decode(withCount(block, 160, 2n ** 40n)))
    expect(err).toMatchObject({ code: 'Truncated', offset: 160 })
  })

  it('counts of 2^64-1 in every Vec of every type fail as Truncated', () => {
    const cases: Array<[WireType<unknown>, Uint8Array, number]> = [
      [StateSyncResponse, valid('sync-response'), 8],
      [WithdrawalProofResponse, valid('withdrawal-found'), 44],
      [ValidatorRecord, valid('validator-record'), 36],
      [ComputeJobResult, valid('result-failed-utf8'), 56],
    ]
    for (const [type, bytes, at] of cases) {
      expect(codecError(() => type.decode(withCount(bytes, at, 2n ** 64n - 1n)))).toMatchObject({
        code: 'Truncated',
        offset: at,
      })
    }
  })
})

describe('ValidatorRecord schema caps', () => {
  const original = valid('validator-record')
  const u64le = (n: number) => withCount(new Uint8Array(8), 0, BigInt(n))
  const utf8 = (s: string) => new TextEncoder().encode(s)
  /** The vector's record with `multiaddrs` replaced (network + identity = 36 bytes, then the Vec). */
  const recordBytes = (count: number, addrs: Uint8Array[]): Uint8Array =>
    Uint8Array.from([
      ...original.subarray(0, 36),
      ...u64le(count),
      ...addrs.flatMap((a) => [...u64le(a.length), ...a]),
      ...original.subarray(original.length - 80),
    ])
  const addr = (bytes: number) => utf8('/'.padEnd(bytes, 'a'))
  const big = { maxBytes: 1 << 20 }

  it('accepts 8 multiaddrs of 256 bytes', () => {
    const bytes = recordBytes(
      8,
      Array.from({ length: 8 }, () => addr(256)),
    )
    expect(ValidatorRecord.decode(bytes, big).multiaddrs).toHaveLength(8)
  })

  it('rejects 9 multiaddrs as TooLarge at the count', () => {
    const bytes = recordBytes(
      9,
      Array.from({ length: 9 }, () => addr(4)),
    )
    expect(codecError(() => ValidatorRecord.decode(bytes, big))).toMatchObject({
      code: 'TooLarge',
      offset: 36,
    })
  })

  it('rejects a 257-byte multiaddr as TooLarge at its length', () => {
    const bytes = recordBytes(1, [addr(257)])
    expect(codecError(() => ValidatorRecord.decode(bytes, big))).toMatchObject({
      code: 'TooLarge',
      offset: 44,
    })
  })

  it('checks against the remaining input before the cap (Truncated first)', () => {
    const count = Uint8Array.from([...original.subarray(0, 36), ...u64le(9)])
    expect(codecError(() => ValidatorRecord.decode(count)).code).toBe('Truncated')
    const length = Uint8Array.from([...original.subarray(0, 36), ...u64le(1), ...u64le(257)])
    expect(codecError(() => ValidatorRecord.decode(length))).toMatchObject({
      code: 'Truncated',
      offset: 44,
    })
  })

  it('refuses to encode or parse a record over the caps', () => {
    const record = ValidatorRecord.decode(original)
    expect(() => ValidatorRecord.encode({ ...record, multiaddrs: Array(9).fill('/a') })).toThrow(
      expect.objectContaining({ name: 'InvalidValueError', path: '$.multiaddrs' }),
    )
    expect(() => ValidatorRecord.encode({ ...record, multiaddrs: ['x'.repeat(257)] })).toThrow(
      expect.objectContaining({ path: '$.multiaddrs[0]' }),
    )
    const json = ValidatorRecord.toJson(record) as Record<string, unknown>
    expect(() => ValidatorRecord.fromJson({ ...json, multiaddrs: Array(9).fill('/a') })).toThrow(
      expect.objectContaining({ path: '$.multiaddrs' }),
    )
  })
})

describe('tags, UTF-8 and trailing bytes', () => {
  it('a bool byte other than 0 or 1 is InvalidTag at that byte', () => {
    const flags = compile<{ a: boolean; b: boolean; c: boolean }>(
      struct({ a: bool, b: bool, c: bool }),
      'Flags',
      3,
    )
    expect(flags.decode(Uint8Array.from([1, 0, 1]))).toEqual({ a: true, b: false, c: true })
    expect(codecError(() => flags.decode(Uint8Array.from([1, 0, 2])))).toMatchObject({
      code: 'InvalidTag',
      offset: 2,
    })
  })

  it('invalid UTF-8 is InvalidUtf8 at the start of the string bytes', () => {
    // result-failed-utf8: the reason's length is at 56, its bytes at 64.
    const bytes = valid('result-failed-utf8').slice()
    bytes[64] = 0xc0
    expect(codecError(() => ComputeJobResult.decode(bytes))).toMatchObject({
      code: 'InvalidUtf8',
      offset: 64,
    })
  })

  it('non-ASCII UTF-8 decodes', () => {
    const value = ComputeJobResult.decode(valid('result-failed-utf8'))
    expect(value.outcome.type).toBe('Failed')
  })

  it('trailing bytes are TrailingBytes at the end of the value', () => {
    const vote = valid('vote-precommit-nil')
    const err = codecError(() => Vote.decode(Uint8Array.from([...vote, 0])))
    expect(err).toMatchObject({ code: 'TrailingBytes', offset: vote.length })
  })

  it('an input that ends early is Truncated where the read started', () => {
    const vote = valid('vote-prevote')
    expect(codecError(() => Vote.decode(vote.subarray(0, 10)))).toMatchObject({
      code: 'Truncated',
      offset: 4,
    })
  })

  it('a lone surrogate cannot be encoded (UTF-8 would silently replace it)', () => {
    expect(() => compile(string(), 'String', 64).size('a\ud800b')).toThrow(InvalidValueError)
  })
})

describe('byte fields: copies or views', () => {
  const input = () => valid('block-3tx').slice()

  it('copies fixed-size arrays by default, so they do not pin or alias the input', () => {
    const bytes = input()
    const block = BlockProposal.decode(bytes)
    expect(block.signature.buffer).not.toBe(bytes.buffer)
    expect(block.header.proposer.buffer).not.toBe(bytes.buffer)
    const before = block.signature[0]!
    bytes[bytes.length - 64] = (before + 1) & 0xff
    expect(block.signature[0]).toBe(before)
  })

  it("views fixed-size arrays with fixedBytes: 'view'", () => {
    const bytes = input()
    const block = BlockProposal.decode(bytes, { fixedBytes: 'view' })
    expect(block.signature.buffer).toBe(bytes.buffer)
    expect(block.signature.byteOffset).toBe(bytes.length - 64)
    expect(BlockProposal.decode(bytes, { fixedBytes: 'copy' }).signature.buffer).not.toBe(
      bytes.buffer,
    )
  })

  it('views Vec<u8> fields either way (aliases the input, without copying)', () => {
    for (const fixedBytes of ['copy', 'view'] as const) {
      const bytes = input()
      const tx = BlockProposal.decode(bytes, { fixedBytes }).transactions[0]!
      expect(tx.buffer).toBe(bytes.buffer)
      const before = tx[0]!
      bytes[tx.byteOffset] = (before + 1) & 0xff
      expect(tx[0]).toBe((before + 1) & 0xff)
    }
  })

  it('gives plain Uint8Arrays for a Node Buffer input, views at the right bytes', () => {
    const bytes = Buffer.concat([Buffer.from([9, 9, 9]), input()]).subarray(3)
    const block = BlockProposal.decode(bytes, { fixedBytes: 'view' })
    for (const field of [block.signature, block.transactions[0]!]) {
      expect(Object.getPrototypeOf(field)).toBe(Uint8Array.prototype)
      expect(field.buffer).toBe(bytes.buffer)
    }
    expect(block).toEqual(BlockProposal.decode(input()))
  })

  it('rejects an unknown fixedBytes option', () => {
    const err = thrown(
      () => BlockProposal.decode(input(), { fixedBytes: 'share' as 'view' }),
      InvalidValueError,
    )
    expect(err.path).toBe('$options.fixedBytes')
  })
})
