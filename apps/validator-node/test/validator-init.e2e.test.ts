// `paraloom validator init`: the written validator.toml is commented, holds
// every key, loads with the config loader and equals the defaults.
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { buildConfig, loadConfig } from '../src/config/index.js'
import { runCliCapture, spawnCli } from './helpers/cli.js'

jest.setTimeout(120_000)

const PROGRAM_ID = 'Para1oomRegistry111111111111111111111111111'
let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'validator-init-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('paraloom validator init', () => {
  it('writes a file that loads and equals the defaults, as a real process', async () => {
    const out = join(dir, 'validator.toml')
    const r = await spawnCli(['validator', 'init', '--out', out, '--network', 'testnet'], {
      timeoutMs: 90_000,
    })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`wrote ${out}`)
    expect(await loadConfig(out)).toEqual(buildConfig({ network: 'testnet' }, {}, 'defaults', dir))
  })

  it('names and comments every key, the advanced one commented out', async () => {
    const out = join(dir, 'validator.toml')
    expect(
      (await runCliCapture(['validator', 'init', '--out', out, '--network', 'devnet'])).code,
    ).toBe(0)
    const text = await readFile(out, 'utf8')
    const keys = [
      'network',
      'state_dir',
      'keypair',
      'listen',
      'announce',
      'admission',
      'allow',
      'rpc_url',
      'ws_url',
      'program_id',
      'refresh_secs',
      'ping_interval_ms',
      'ping_timeout_ms',
      'slow_rtt_ms',
      'offline_after_missed',
      'reserved_clients',
    ]
    for (const key of keys) expect(text).toMatch(new RegExp(`^${key} = .+#`, 'm'))
    expect(text).toMatch(/^# history_capacity = 10000 /m)
    for (const section of ['identity', 'p2p', 'registry', 'liveness', 'grpc', 'metrics'])
      expect(text).toContain(`[${section}]`)
  })

  it('fills in --program-id and -u', async () => {
    const out = join(dir, 'v.toml')
    const r = await runCliCapture([
      'validator',
      'init',
      '--out',
      out,
      '--network',
      'devnet',
      '--program-id',
      PROGRAM_ID,
      '-u',
      'https://rpc.example:8899',
    ])
    expect(r.code).toBe(0)
    const config = await loadConfig(out)
    expect(config.registry).toMatchObject({
      programId: PROGRAM_ID,
      rpcUrl: 'https://rpc.example:8899',
    })
  })

  it('never overwrites a file without --force', async () => {
    const out = join(dir, 'validator.toml')
    await writeFile(out, 'mine')
    const r = await runCliCapture(['validator', 'init', '--out', out, '--network', 'devnet'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`paraloom: ${out} exists: pass --force to overwrite it\n`)
    expect(await readFile(out, 'utf8')).toBe('mine')
    const forced = await runCliCapture([
      'validator',
      'init',
      '--out',
      out,
      '--network',
      'devnet',
      '--force',
    ])
    expect(forced.code).toBe(0)
    expect(await readFile(out, 'utf8')).toContain('[liveness]')
  })

  it.each([
    [['--program-id', 'not-base58-0OIl'], 'registry.program_id'],
    [['-u', 'ftp://x'], 'registry.rpc_url'],
    [['--program-id', `${PROGRAM_ID}"\nnetwork = "mainnet`], 'registry.program_id'],
    [[], "'--network <net>' not specified"],
    [['--network', 'moon'], 'Allowed choices are mainnet, devnet, testnet, localnet'],
  ])('%j is refused (exit 2) and nothing is written', async (args, message) => {
    const out = join(dir, 'validator.toml')
    const network = args.includes('--network')
      ? []
      : args.length === 0
        ? []
        : ['--network', 'devnet']
    const r = await runCliCapture(['validator', 'init', '--out', out, ...network, ...args])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(message)
    expect(existsSync(out)).toBe(false)
  })

  it('a directory that does not exist is one line, exit 2', async () => {
    const out = join(dir, 'no', 'such', 'dir', 'validator.toml')
    const r = await runCliCapture(['validator', 'init', '--out', out, '--network', 'devnet'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`paraloom: cannot write ${out} (ENOENT)\n`)
  })
})
