import { describe, expect, it } from '@jest/globals'
import { encodeValidatorAccount, type ValidatorAccount } from '../src/layout.js'
import { findValidatorPda } from '../src/pda.js'
import {
  type AccountCheck,
  checkValidatorAccount,
  peerIdOfKey,
  type RawAccount,
  selectSeedPeers,
} from '../src/seeds.js'
import { PROGRAM_ID, randomAddress, randomKey, validator } from './fixtures.js'

const ctx = { programId: PROGRAM_ID, network: 'devnet' as const }

async function rawOf(
  v: ValidatorAccount,
  overrides: Partial<RawAccount> = {},
): Promise<RawAccount> {
  const pda = await findValidatorPda(PROGRAM_ID, v.identity)
  return {
    address: pda.address,
    owner: PROGRAM_ID,
    data: encodeValidatorAccount(v, { space: 700 }),
    ...overrides,
  }
}

async function select(raws: RawAccount[], minimumStake = 1_000n) {
  const checks = new Map<string, AccountCheck>()
  for (const raw of raws) checks.set(raw.address, await checkValidatorAccount(raw, ctx))
  return selectSeedPeers(checks, minimumStake)
}

describe('seed rules', () => {
  it('turns a valid account into a seed peer with /p2p/ appended', async () => {
    const v = validator()
    const raw = await rawOf(v)
    const { seeds, warnings } = await select([raw])
    const peerId = peerIdOfKey(v.identity)
    expect(warnings).toEqual([])
    expect(seeds).toHaveLength(1)
    expect(seeds[0]).toMatchObject({
      publicKey: v.identity,
      peerId,
      multiaddrs: [`/ip4/127.0.0.1/tcp/9001/p2p/${peerId}`],
      stake: 5_000n,
      reputation: 7n,
    })
    expect(peerId.startsWith('12D3KooW')).toBe(true)
  })

  it('uses a multiaddr carrying the identity own /p2p/ id as is', async () => {
    const identity = randomKey()
    const own = `/ip4/10.0.0.1/tcp/4001/p2p/${peerIdOfKey(identity)}`
    const { seeds } = await select([await rawOf(validator({ identity, multiaddrs: [own] }))])
    expect(seeds[0]?.multiaddrs).toEqual([own])
  })

  const skipCases: [string, () => Promise<RawAccount>, RegExp][] = [
    ['wrong owner', async () => rawOf(validator(), { owner: randomAddress() }), /owner is/],
    [
      'wrong discriminator',
      async () => {
        const raw = await rawOf(validator())
        raw.data[0] = raw.data[0]! ^ 1
        return raw
      },
      /does not decode: not a ValidatorAccount/,
    ],
    ['short data', async () => rawOf(validator(), { data: new Uint8Array(5) }), /does not decode/],
    [
      'an address that is not its PDA',
      async () => rawOf(validator(), { address: randomAddress() }),
      /not PDA/,
    ],
    [
      'another network',
      async () => rawOf(validator({ network: 'testnet' })),
      /network is testnet, not devnet/,
    ],
    ['inactive', async () => rawOf(validator({ isActive: false })), /not active/],
    [
      'under-staked',
      async () => rawOf(validator({ stakeAmount: 999n })),
      /stake 999 is below the minimum 1000/,
    ],
    [
      'a /p2p/ id of another peer',
      async () =>
        rawOf(
          validator({
            multiaddrs: [
              '/ip4/1.2.3.4/tcp/1',
              `/ip4/1.2.3.4/tcp/2/p2p/${peerIdOfKey(randomKey())}`,
            ],
          }),
        ),
      /names another peer/,
    ],
    [
      'no parsable multiaddr',
      async () => rawOf(validator({ multiaddrs: ['not-a-multiaddr'] })),
      /no usable multiaddr/,
    ],
    [
      'no multiaddr at all',
      async () => rawOf(validator({ multiaddrs: [] })),
      /no usable multiaddr/,
    ],
  ]

  it.each(
    skipCases,
  )('skips an account with %s, with a warning naming it', async (_name, make, reason) => {
    const raw = await make()
    const { seeds, warnings } = await select([raw])
    expect(seeds).toEqual([])
    expect(warnings.length).toBeGreaterThanOrEqual(1)
    expect(warnings.every((w) => w.address === raw.address)).toBe(true)
    expect(warnings.at(-1)?.reason).toMatch(reason)
  })

  it('drops an unparsable multiaddr with a warning and keeps the rest', async () => {
    const raw = await rawOf(
      validator({ multiaddrs: ['/ip4/999.1.1.1/tcp/1', '/ip4/1.2.3.4/tcp/5'] }),
    )
    const { seeds, warnings } = await select([raw])
    expect(seeds[0]?.multiaddrs).toHaveLength(1)
    expect(warnings).toEqual([
      { address: raw.address, reason: expect.stringMatching(/does not parse/) },
    ])
  })

  it('skips an over-cap account (5 multiaddrs) and a non-UTF-8 one with decode reasons', async () => {
    const five = await rawOf(
      validator({ multiaddrs: Array.from({ length: 5 }, () => '/ip4/1.2.3.4/tcp/1') }),
    )
    const utf = await rawOf(validator({ multiaddrs: ['/ip4/1.2.3.4/tcp/1'] }))
    utf.data[84] = 0xc3
    utf.data[85] = 0x28
    const { seeds, warnings } = await select([five, utf])
    expect(seeds).toEqual([])
    expect(
      warnings.map((w) => [w.address, w.reason.match(/over-cap|at most 4|UTF-8/)?.[0]]),
    ).toEqual([
      [five.address, 'at most 4'],
      [utf.address, 'UTF-8'],
    ])
  })

  it('keeps one seed when a second account claims the same identity', async () => {
    const v = validator()
    const original = await rawOf(v)
    const copy = await rawOf(v, { address: randomAddress() })
    const { seeds, warnings } = await select([original, copy])
    expect(seeds.map((s) => s.identity)).toHaveLength(1)
    expect(warnings).toEqual([{ address: copy.address, reason: expect.stringMatching(/not PDA/) }])
  })
})
