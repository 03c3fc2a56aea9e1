// `paraloom validator sync` refusing bad flags with one line and exit 2,
// before it starts anything. The sync itself: validator-sync.e2e.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runCliCapture } from './helpers/cli.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraloom-sync-cli-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Any base58 address does as a program id, and as a peer: these runs stop before any registry read. */
const PROGRAM_ID = 'Para1oomRegistry111111111111111111111111111'
const PEER = PROGRAM_ID

const sync = (...args: string[]) => runCliCapture(['validator', 'sync', ...args])

describe('paraloom validator sync', () => {
  it('requires --from-peer', async () => {
    const r = await sync('--network', 'devnet')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--from-peer/)
  })

  it.each([
    ['abc'],
    ['-1'],
    ['1.5'],
    ['18446744073709551616'], // 2^64
    [''],
  ])('rejects --from-height %j', async (height) => {
    const r = await sync('--network', 'devnet', '--from-peer', PEER, '--from-height', height)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--from-height: .* is not a u64 height/)
  })

  it('rejects a --from-peer that starts like a multiaddr but is not one', async () => {
    const r = await sync('--network', 'devnet', '--from-peer', '/ip4/not-an-ip/tcp/1')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--from-peer: .* is not a multiaddr/)
  })

  it.each([
    ['not-a-peer', /--from-peer: "not-a-peer" is neither a PeerId nor a Solana address/],
    ['', /--from-peer: "" is neither a PeerId nor a Solana address/],
    ['/ip4/127.0.0.1/tcp/9001', /--from-peer: ".*" does not end in \/p2p\/<PeerId>/],
    ['/dns4/', /--from-peer: .* is not a multiaddr/],
  ])('rejects --from-peer %j, naming what is wrong', async (peer, message) => {
    const r = await sync('--network', 'devnet', '--program-id', PROGRAM_ID, '--from-peer', peer)
    expect(r).toMatchObject({ code: 2, stdout: '' })
    expect(r.stderr).toMatch(message)
  })

  it.each([
    ['0'],
    ['-5'],
    ['1.5'],
    ['soon'],
    ['9999999999'],
  ])('rejects --timeout-ms %j', async (timeout) => {
    const r = await sync('--network', 'devnet', '--from-peer', PEER, '--timeout-ms', timeout)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--timeout-ms: .* is not a positive integer/)
  })

  it('refuses to run without a registry program id', async () => {
    const r = await sync('--network', 'devnet', '--from-peer', PEER, '--state-dir', join(dir, 's'))
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/registry\.program_id is not set/)
  })

  it('refuses to run when [sync] persist is false: the blocks would go nowhere', async () => {
    const config = join(dir, 'validator.toml')
    await writeFile(config, 'network = "devnet"\n[sync]\npersist = false\n')
    const r = await sync('--config', config, '--from-peer', PEER)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/sync\.persist is false/)
  })

  it('names the config key of a bad [sync] value', async () => {
    const config = join(dir, 'bad.toml')
    await writeFile(config, 'network = "devnet"\n[sync]\nmax_blocks = "many"\n')
    const r = await sync('--config', config, '--from-peer', PEER)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/sync\.max_blocks: expected an integer/)
  })
})
