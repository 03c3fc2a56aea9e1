import { createHash } from 'node:crypto'
import * as borsh from '@coral-xyz/borsh'
import { describe, expect, it } from '@jest/globals'
import { NETWORKS } from '@paraloom/interface'
import fc from 'fast-check'
import { AccountDecodeError } from '../src/errors.js'
import {
  decodeValidatorAccount,
  decodeValidatorRegistry,
  encodeValidatorAccount,
  encodeValidatorRegistry,
  REGISTRY_ACCOUNT_SIZE,
  REGISTRY_DISCRIMINATOR,
  VALIDATOR_DISCRIMINATOR,
  type ValidatorRegistry,
} from '../src/layout.js'
import { randomKey, validator } from './fixtures.js'

function decodeError(fn: () => unknown): AccountDecodeError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(AccountDecodeError)
    return err as AccountDecodeError
  }
  throw new Error('expected an AccountDecodeError')
}

const registry: ValidatorRegistry = {
  authority: randomKey(),
  network: 'localnet',
  totalValidators: 3n,
  activeValidators: 2n,
  minimumStake: 1_000n,
  totalActiveStake: 18_446_744_073_709_551_615n,
  bump: 255,
}

describe('discriminators', () => {
  it('are the first 8 bytes of sha256("account:<StructName>")', () => {
    const expected = (name: string) =>
      new Uint8Array(createHash('sha256').update(`account:${name}`).digest().subarray(0, 8))
    expect(REGISTRY_DISCRIMINATOR).toEqual(expected('ValidatorRegistry'))
    expect(VALIDATOR_DISCRIMINATOR).toEqual(expected('ValidatorAccount'))
  })
})

describe('ValidatorRegistry', () => {
  it('round-trips at the offsets of registry.md', () => {
    const data = encodeValidatorRegistry(registry)
    expect(data.length).toBe(REGISTRY_ACCOUNT_SIZE)
    expect(data[40]).toBe(3) // network
    expect(data[73]).toBe(255) // bump
    expect(decodeValidatorRegistry(data)).toEqual(registry)
  })

  it('ignores padding after the struct', () => {
    expect(decodeValidatorRegistry(encodeValidatorRegistry(registry, { space: 200 }))).toEqual(
      registry,
    )
  })

  it('rejects every truncation with the offset where bytes ran out', () => {
    const data = encodeValidatorRegistry(registry)
    for (let len = 0; len < data.length; len++) {
      const err = decodeError(() => decodeValidatorRegistry(data.subarray(0, len)))
      expect(err.code).toBe('Truncated')
      expect(err.offset).toBeLessThanOrEqual(len)
    }
  })

  it('rejects a ValidatorAccount discriminator', () => {
    const err = decodeError(() => decodeValidatorRegistry(encodeValidatorAccount(validator())))
    expect(err.code).toBe('BadDiscriminator')
  })
})

describe('ValidatorAccount', () => {
  it('round-trips, fields at the offsets of registry.md', () => {
    const v = validator({ multiaddrs: ['/ip4/1.2.3.4/tcp/1', '/dns4/a.example/tcp/2'] })
    const data = encodeValidatorAccount(v)
    expect(data.subarray(8, 40)).toEqual(v.identity)
    expect(data[40]).toBe(1)
    expect(data[41]).toBe(1)
    expect(new DataView(data.buffer).getBigUint64(42, true)).toBe(v.stakeAmount)
    expect(data[74]).toBe(v.bump)
    expect(new DataView(data.buffer).getUint32(75, true)).toBe(2)
    expect(decodeValidatorAccount(data)).toEqual(v)
  })

  it('round-trips any valid account (property)', () => {
    const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
    const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
    const addr = fc.string({ maxLength: 40 }).filter((s) => Buffer.byteLength(s) <= 128)
    fc.assert(
      fc.property(
        fc.record({
          identity: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          network: fc.constantFrom(...NETWORKS),
          isActive: fc.boolean(),
          stakeAmount: u64,
          reputationScore: u64,
          registeredAt: i64,
          lastActive: i64,
          bump: fc.integer({ min: 0, max: 255 }),
          multiaddrs: fc.array(addr, { maxLength: 4 }),
        }),
        fc.nat(64),
        (v, pad) => {
          const data = encodeValidatorAccount(v)
          expect(
            decodeValidatorAccount(encodeValidatorAccount(v, { space: data.length + pad })),
          ).toEqual(v)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('ignores Anchor padding after the struct', () => {
    const v = validator()
    expect(decodeValidatorAccount(encodeValidatorAccount(v, { space: 600 }))).toEqual(v)
  })

  it('rejects a wrong and a short discriminator', () => {
    const data = encodeValidatorAccount(validator())
    data[3] = (data[3]! + 1) % 256
    expect(decodeError(() => decodeValidatorAccount(data)).code).toBe('BadDiscriminator')
    const short = decodeError(() => decodeValidatorAccount(VALIDATOR_DISCRIMINATOR.subarray(0, 5)))
    expect(short).toMatchObject({ code: 'Truncated', offset: 0 })
  })

  it('rejects every truncation', () => {
    const data = encodeValidatorAccount(validator({ multiaddrs: ['/ip4/1.2.3.4/tcp/1'] }))
    for (let len = 0; len < data.length; len++) {
      expect(decodeError(() => decodeValidatorAccount(data.subarray(0, len))).code).toBe(
        'Truncated',
      )
    }
  })

  it('rejects a string length of 2^32-1 at once, at the length prefix', () => {
    const data = encodeValidatorAccount(validator({ multiaddrs: ['/ip4/1.2.3.4/tcp/1'] }))
    new DataView(data.buffer).setUint32(79, 0xffffffff, true)
    expect(decodeError(() => decodeValidatorAccount(data))).toMatchObject({
      code: 'OverCap',
      offset: 79,
    })
  })

  it('rejects a 129-byte multiaddr and accepts 128 bytes', () => {
    const ok = `/dns4/${'a'.repeat(116)}/tcp/1`
    expect(Buffer.byteLength(ok)).toBe(128)
    expect(
      decodeValidatorAccount(encodeValidatorAccount(validator({ multiaddrs: [ok] }))).multiaddrs,
    ).toEqual([ok])
    const err = decodeError(() =>
      decodeValidatorAccount(encodeValidatorAccount(validator({ multiaddrs: [`${ok}0`] }))),
    )
    expect(err).toMatchObject({ code: 'OverCap', offset: 79 })
  })

  it('rejects 5 multiaddrs at the count, before reading any', () => {
    const five = Array.from({ length: 5 }, (_, i) => `/ip4/1.2.3.${i}/tcp/1`)
    const err = decodeError(() =>
      decodeValidatorAccount(encodeValidatorAccount(validator({ multiaddrs: five }))),
    )
    expect(err).toMatchObject({ code: 'OverCap', offset: 75 })
  })

  it('rejects a count of 2^32-1 without allocating', () => {
    const data = encodeValidatorAccount(validator({ multiaddrs: [] }))
    new DataView(data.buffer).setUint32(75, 0xffffffff, true)
    expect(decodeError(() => decodeValidatorAccount(data)).code).toBe('OverCap')
  })

  it('rejects a non-UTF-8 multiaddr', () => {
    const data = encodeValidatorAccount(validator({ multiaddrs: ['/ip4/1.2.3.4/tcp/1'] }))
    data[84] = 0xff
    expect(decodeError(() => decodeValidatorAccount(data))).toMatchObject({
      code: 'BadUtf8',
      offset: 83,
    })
  })

  it('rejects a bool other than 0/1 and an unknown network tag', () => {
    const data = encodeValidatorAccount(validator())
    data[41] = 2
    expect(decodeError(() => decodeValidatorAccount(data))).toMatchObject({
      code: 'BadBool',
      offset: 41,
    })
    const other = encodeValidatorAccount(validator())
    other[40] = 4
    expect(decodeError(() => decodeValidatorAccount(other))).toMatchObject({
      code: 'BadTag',
      offset: 40,
    })
  })

  it('decodes the same bytes as @coral-xyz/borsh on the same layout', () => {
    const layout = borsh.struct([
      borsh.array(borsh.u8(), 8, 'discriminator'),
      borsh.array(borsh.u8(), 32, 'identity'),
      borsh.u8('network'),
      borsh.bool('isActive'),
      borsh.u64('stakeAmount'),
      borsh.u64('reputationScore'),
      borsh.i64('registeredAt'),
      borsh.i64('lastActive'),
      borsh.u8('bump'),
      borsh.vec(borsh.str(), 'multiaddrs'),
    ])
    const v = validator({
      multiaddrs: ['/ip4/1.2.3.4/tcp/1', '/ip6/::1/tcp/2'],
      stakeAmount: 2n ** 63n,
    })
    const theirs = layout.decode(Buffer.from(encodeValidatorAccount(v)))
    expect(Uint8Array.from(theirs.identity)).toEqual(v.identity)
    expect(BigInt(theirs.stakeAmount.toString())).toBe(v.stakeAmount)
    expect(BigInt(theirs.registeredAt.toString())).toBe(v.registeredAt)
    expect(theirs.multiaddrs).toEqual(v.multiaddrs)
    expect(theirs.isActive).toBe(true)
  })
})
