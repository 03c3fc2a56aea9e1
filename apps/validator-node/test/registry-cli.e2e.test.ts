import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { readGenesisDirectory } from '@paraloom/registry'
import { LocalRpcStandIn } from '@paraloom/registry/stand-in'
import { generateKeypair, writeKeypairFile } from '../src/keypair.js'
import { runCliCapture, spawnCli } from './helpers/cli.js'

// Some cases start the CLI as a process: seconds on a loaded machine.
jest.setTimeout(60_000)

// Any valid base58 address works as a program id for the stand-in.
const PROGRAM_ID = 'Para1oomRegistry111111111111111111111111111'
let dir: string
let standIn: LocalRpcStandIn
const keypairs = [generateKeypair(), generateKeypair()]

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'registry-cli-'))
  for (const [i, kp] of keypairs.entries()) await writeKeypairFile(join(dir, `v${i}.json`), kp)
})

afterAll(async () => {
  await standIn?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('paraloom registry genesis', () => {
  it('writes one <address>.json per account', async () => {
    const r = await runCliCapture([
      'registry',
      'genesis',
      '--out',
      join(dir, 'genesis'),
      '--network',
      'devnet',
      '--program-id',
      PROGRAM_ID,
      '--validator',
      `${join(dir, 'v0.json')}=/ip4/127.0.0.1/tcp/9001`,
      '--validator',
      `${join(dir, 'v1.json')}=/ip4/127.0.0.1/tcp/9002,/ip4/127.0.0.1/tcp/9102`,
      '--stake',
      '500',
    ])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toMatch(/and 2 validators: 3 files/)
    expect(await readdir(join(dir, 'genesis'))).toHaveLength(3)
  })

  it.each([
    ['a bad network', ['--network', 'moon']],
    ['a bad program id', ['--program-id', 'not-base58!']],
    ['a validator without =', ['--validator', 'v0.json']],
    ['a missing keypair file', ['--validator', '/nonexistent/k.json=/ip4/1.2.3.4/tcp/1']],
    ['an unparsable multiaddr', ['--validator', 'KP=/ip4/999.0.0.1/tcp/1']],
    ['a bad stake', ['--stake', '-3']],
  ])('exits 2 with one line on %s', async (_name, flags) => {
    const base: Record<string, string> = {
      '--out': join(dir, 'unused'),
      '--network': 'devnet',
      '--program-id': PROGRAM_ID,
      '--validator': `${join(dir, 'v0.json')}=/ip4/127.0.0.1/tcp/9001`,
    }
    base[flags[0]!] = flags[1]!.replace('KP', join(dir, 'v0.json'))
    const argv = ['registry', 'genesis', ...Object.entries(base).flat()]
    const r = await runCliCapture(argv)
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})

describe('paraloom registry list', () => {
  beforeAll(async () => {
    standIn = new LocalRpcStandIn({
      accounts: await readGenesisDirectory(join(dir, 'genesis')),
      programId: PROGRAM_ID as never,
      port: 0,
    })
    await standIn.start()
  })

  const flags = () => ['--network', 'devnet', '--rpc', standIn.rpcUrl, '--program-id', PROGRAM_ID]

  it('prints one JSON object per seed peer and one warning per skipped account', async () => {
    await standIn.deactivate(keypairs[1]!.publicKey)
    const r = await runCliCapture(['registry', 'list', ...flags(), '--json'])
    expect(r.code).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toEqual({
      identity: expect.any(String),
      peer_id: expect.stringMatching(/^12D3KooW/),
      multiaddrs: [expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/9001\/p2p\/12D3KooW/)],
      stake: '500',
      reputation: '0',
    })
    expect(r.stderr).toMatch(/^warning: skipping \w+: validator is not active\n$/)
  })

  it('prints a table without --json', async () => {
    const r = await runCliCapture(['registry', 'list', ...flags()])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^IDENTITY +STAKE +REPUTATION +MULTIADDRS\n/)
    expect(r.stdout).toMatch(/1 seed peers on devnet\n$/)
  })

  it('exits 1 with one clear line when the RPC is unreachable', async () => {
    const r = await runCliCapture([
      'registry',
      'list',
      '--network',
      'devnet',
      '--rpc',
      'http://127.0.0.1:9',
      '--program-id',
      PROGRAM_ID,
    ])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(
      /^paraloom: registry read from http:\/\/127\.0\.0\.1:9 failed: cannot reach/,
    )
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })

  it.each([
    ['-u'],
    ['--url'],
    ['--rpc'],
    ['--rpc-url'],
  ])('takes the RPC URL as %s (Solana spells it -u/--url; the old spellings stay)', async (flag) => {
    const r = await spawnCli([
      'registry',
      'list',
      '--network',
      'devnet',
      flag,
      standIn.rpcUrl,
      '--program-id',
      PROGRAM_ID,
      '--json',
    ])
    expect(r.stderr).not.toMatch(/^paraloom:/m)
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
  })

  it('refuses two spellings of the URL that disagree, naming both', async () => {
    const r = await spawnCli([
      'registry',
      'list',
      '--network',
      'devnet',
      '-u',
      standIn.rpcUrl,
      '--rpc',
      'http://127.0.0.1:9',
      '--program-id',
      PROGRAM_ID,
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(
      `paraloom: --url ${standIn.rpcUrl} and --rpc http://127.0.0.1:9 disagree: pass one\n`,
    )
  })

  it('exits 2 when no program id is given', async () => {
    const r = await runCliCapture([
      'registry',
      'list',
      '--network',
      'devnet',
      '--rpc',
      standIn.rpcUrl,
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/program_id is empty: pass --program-id/)
  })
})
