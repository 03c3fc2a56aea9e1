// What an operator meets first, through the built `paraloom` binary: the
// version, the flag that is missing named as a flag, the same RPC URL flag on
// every command, and help that points at documentation that exists.
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it, jest } from '@jest/globals'
import { spawnCli } from './helpers/cli.js'

// Each case starts the CLI as a process: seconds on a loaded machine.
jest.setTimeout(300_000)

const cli = (args: string[]) => spawnCli(args, { timeoutMs: 90_000 })

const repoFile = (path: string): string => new URL(`../../../${path}`, import.meta.url).pathname

describe('paraloom, as an operator first meets it', () => {
  it.each([['--version'], ['-V']])('%s prints the package version', async (flag) => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const r = await cli([flag])
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })

  it('validator start without a network names the --network flag, exit 2', async () => {
    const r = await cli([
      'validator',
      'start',
      '--program-id',
      'Para1oomRegistry111111111111111111111111111',
    ])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('pass --network <mainnet|devnet|testnet|localnet>')
  })

  it.each([
    [['validator', 'start']],
    [['registry', 'list']],
  ])('%j --help offers -u, --url and hides the old spellings', async (command) => {
    const r = await cli([...command, '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ {2}-u, --url <url> /m)
    expect(r.stdout).not.toMatch(/^ {2}--rpc(-url)? </m)
  })

  it('validator start takes --rpc-url as an alias of --url', async () => {
    // Both spellings disagreeing is refused before anything starts: proof both are read.
    const r = await cli([
      'validator',
      'start',
      '--network',
      'devnet',
      '--url',
      'http://127.0.0.1:1',
      '--rpc-url',
      'http://127.0.0.1:2',
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--url http://127.0.0.1:1 and --rpc-url http://127.0.0.1:2 disagree')
  })

  it('codec --help points at docs/wire.md, which exists', async () => {
    const r = await cli(['codec', 'decode', '--help'])
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('docs/wire.md')
    expect(existsSync(repoFile('docs/wire.md'))).toBe(true)
  })
})
