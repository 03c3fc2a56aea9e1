import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import {
  buildGenesisAccounts,
  GenesisFileError,
  genesisFileText,
  parseGenesisFile,
  readGenesisDirectory,
  rentExemptLamports,
  writeGenesisFiles,
} from '../src/genesis.js'
import {
  decodeValidatorAccount,
  decodeValidatorRegistry,
  VALIDATOR_ACCOUNT_MAX_SIZE,
} from '../src/layout.js'
import { findRegistryPda, findValidatorPda } from '../src/pda.js'
import { PROGRAM_ID, randomKey } from './fixtures.js'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('genesis files', () => {
  it('writes the registry PDA and one account per validator, rent-exempt', async () => {
    const identities = [randomKey(), randomKey()]
    const accounts = await buildGenesisAccounts({
      programId: PROGRAM_ID,
      network: 'devnet',
      minimumStake: 10n,
      validators: identities.map((identity, i) => ({
        identity,
        network: 'devnet' as const,
        multiaddrs: [`/ip4/127.0.0.1/tcp/${9001 + i}`],
        stake: 100n,
        isActive: i === 0,
      })),
    })
    expect(accounts).toHaveLength(3)
    const [registry, first] = accounts
    expect(registry!.pubkey).toBe((await findRegistryPda(PROGRAM_ID)).address)
    expect(decodeValidatorRegistry(registry!.data)).toMatchObject({
      totalValidators: 2n,
      activeValidators: 1n,
      totalActiveStake: 100n,
      minimumStake: 10n,
    })
    expect(first!.pubkey).toBe((await findValidatorPda(PROGRAM_ID, identities[0]!)).address)
    expect(first!.data.length).toBe(VALIDATOR_ACCOUNT_MAX_SIZE)
    expect(decodeValidatorAccount(first!.data).identity).toEqual(identities[0])
    for (const a of accounts) expect(a.lamports).toBe(BigInt(128 + a.data.length) * 6960n)
  })

  it('writes the exact solana account --output json format, rentEpoch as u64::MAX', async () => {
    const [registry] = await buildGenesisAccounts({
      programId: PROGRAM_ID,
      network: 'devnet',
      validators: [],
    })
    const text = genesisFileText(registry!)
    expect(text).toBe(
      `{"pubkey":"${registry!.pubkey}","account":{"lamports":${rentExemptLamports(74)},"data":["${Buffer.from(
        registry!.data,
      ).toString(
        'base64',
      )}","base64"],"owner":"${PROGRAM_ID}","executable":false,"rentEpoch":18446744073709551615,"space":74}}\n`,
    )
    expect(parseGenesisFile(text, 'f')).toEqual(registry)
  })

  it('round-trips a directory named <address>.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genesis-'))
    dirs.push(dir)
    const accounts = await buildGenesisAccounts({
      programId: PROGRAM_ID,
      network: 'localnet',
      validators: [
        {
          identity: randomKey(),
          network: 'localnet',
          multiaddrs: ['/ip4/127.0.0.1/tcp/1'],
          stake: 1n,
        },
      ],
    })
    const paths = await writeGenesisFiles(dir, accounts)
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(
      accounts.map((a) => `${a.pubkey}.json`),
    )
    expect(JSON.parse(await readFile(paths[0]!, 'utf8')).account.space).toBe(74)
    const back = await readGenesisDirectory(dir)
    expect(new Set(back.map((a) => a.pubkey))).toEqual(new Set(accounts.map((a) => a.pubkey)))
  })

  it.each([
    ['not JSON', '{"pubkey":'],
    ['no account', '{"pubkey":"11111111111111111111111111111111"}'],
    ['a bad pubkey', '{"pubkey":"0OIl","account":{}}'],
    [
      'data not a base64 pair',
      '{"pubkey":"11111111111111111111111111111111","account":{"lamports":1,"data":"AA==","owner":"11111111111111111111111111111111"}}',
    ],
  ])('rejects a file with %s', (_name, text) => {
    expect(() => parseGenesisFile(text, 'bad.json')).toThrow(GenesisFileError)
  })

  it('caps the number of files in a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'genesis-'))
    dirs.push(dir)
    for (const n of ['a', 'b']) await writeFile(join(dir, `${n}.json`), '{}')
    await expect(readGenesisDirectory(dir, { maxFiles: 1 })).rejects.toThrow(/more than 1/)
  })
})
