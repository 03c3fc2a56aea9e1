// `paraloom validator sync` refusing bad flags with one line and exit 2,
// before it starts anything. The sync itself: query-sync.e2e.test.ts.
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
    const r = await sync('--network', 'devnet', '--from-peer', 'x', '--from-height', height)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--from-height: .* is not a u64 height/)
  })

  it('rejects a --from-peer that starts like a multiaddr but is not one', async () => {
    const r = await sync('--network', 'devnet', '--from-peer', '/ip4/not-an-ip/tcp/1')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--from-peer: .* is not a multiaddr/)
  })

  it('refuses to run when [sync] persist is false: the blocks would go nowhere', async () => {
    const config = join(dir, 'validator.toml')
    await writeFile(config, 'network = "devnet"\n[sync]\npersist = false\n')
    const r = await sync('--config', config, '--from-peer', 'x')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/sync\.persist is false/)
  })

  it('names the config key of a bad [sync] value', async () => {
    const config = join(dir, 'bad.toml')
    await writeFile(config, 'network = "devnet"\n[sync]\nmax_blocks = "many"\n')
    const r = await sync('--config', config, '--from-peer', 'x')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/sync\.max_blocks: expected an integer/)
  })
})
