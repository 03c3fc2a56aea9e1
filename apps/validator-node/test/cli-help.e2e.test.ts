// The built `paraloom` binary as a user meets it: every command's --help, and
// `validator start` refusing bad config files with one line and exit 2.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import type { Command } from 'commander'
import { buildCli } from '../src/cli.js'
import { generateKeypair, writeKeypairFile } from '../src/keypair.js'
import { type CliResult, spawnCli } from './helpers/cli.js'
import { PROGRAM_ID } from './helpers/cluster.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(60_000)

/** Every command path of the CLI tree, root first (`[]`, `['validator']`, `['validator', 'start']`, …). */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return [prefix, ...cmd.commands.flatMap((c) => commandPaths(c, [...prefix, c.name()]))]
}
const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }
const tree = buildCli(io, () => {})
const paths = commandPaths(tree)

/** The one stderr line of a refused start, after checking there is exactly one. */
function oneLine(r: CliResult): string {
  expect(r.code).toBe(2)
  expect(r.stdout).toBe('')
  expect(r.stderr.endsWith('\n')).toBe(true)
  const lines = r.stderr.slice(0, -1).split('\n')
  expect(lines).toHaveLength(1)
  return lines[0] as string
}

describe('paraloom … --help', () => {
  it('covers the command tree', () => {
    expect(paths).toEqual(
      expect.arrayContaining([
        [],
        ['validator'],
        ['validator', 'start'],
        ['validator', 'keygen'],
        ['registry'],
        ['codec'],
      ]),
    )
  })

  it.concurrent.each(paths.map((p) => [p.join(' ') || '(root)', p]))(
    'paraloom %s --help prints its usage and exits 0',
    async (_name, path) => {
      const r = await spawnCli([...(path as string[]), '--help'])
      expect(r).toMatchObject({ code: 0, stderr: '' })
      const name = ['paraloom', ...(path as string[])].join(' ')
      expect(r.stdout).toMatch(new RegExp(`^Usage: ${name} `))
      let cmd = tree
      for (const part of path as string[]) cmd = cmd.commands.find((c) => c.name() === part)!
      expect(r.stdout).toContain(cmd.description().split(' ').slice(0, 4).join(' '))
      for (const sub of cmd.commands) expect(r.stdout).toContain(sub.name())
    },
    20_000,
  )
})

describe('paraloom validator start with a bad config', () => {
  let dir: string
  let keypairPath: string
  const good = (): string =>
    [
      'network = "devnet"',
      '[identity]',
      `keypair = ${JSON.stringify(keypairPath)}`,
      '[p2p]',
      'listen = ["/ip4/127.0.0.1/tcp/0"]',
      '[registry]',
      `program_id = "${PROGRAM_ID}"`,
      '',
    ].join('\n')
  /** Writes `text` as a config file and runs `validator start` on it. */
  const startWith = async (name: string, text: string): Promise<CliResult> => {
    const path = join(dir, `${name}.toml`)
    await writeFile(path, text)
    return spawnCli(['validator', 'start', '--config', path])
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraloom-bad-config-'))
    keypairPath = join(dir, 'validator.json')
    await writeKeypairFile(keypairPath, generateKeypair())
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it.each([
    [
      'an unknown key',
      (t: string) => t.replace('[p2p]', '[p2p]\nlisten_addr = "x"'),
      /^paraloom: config .*unknown-key\.toml: p2p\.listen_addr: unknown key \(known: listen, announce, admission, allow\)$/,
    ],
    [
      'a wrong type',
      (t: string) => `${t}[liveness]\nping_interval_ms = "fast"\n`,
      /^paraloom: config .*: liveness\.ping_interval_ms: expected an integer, got a string$/,
    ],
    [
      'a bad multiaddr',
      (t: string) =>
        t.replace('"/ip4/127.0.0.1/tcp/0"', '"/ip4/127.0.0.1/tcp/0", "/ip4/1.2.3/tcp/1"'),
      /^paraloom: config .*: p2p\.listen\[1\]: "\/ip4\/1\.2\.3\/tcp\/1" is not a multiaddr \(e\.g\. \/ip4\/0\.0\.0\.0\/tcp\/9001\)$/,
    ],
    [
      'a missing keypair',
      (t: string) => t.replace(JSON.stringify(keypairPath), '"./no-such-keypair.json"'),
      /^paraloom: keypair file .*no-such-keypair\.json: does not exist \(create one with `paraloom validator keygen --out <file>`\)$/,
    ],
    [
      'invalid TOML',
      (t: string) => t.replace('[registry]', '[registry'),
      /^paraloom: config .*: is not valid TOML \(line \d+, column \d+\): /,
    ],
    [
      'no program id',
      (t: string) => t.replace(`program_id = "${PROGRAM_ID}"`, ''),
      /^paraloom: registry\.program_id is not set: set it in validator\.toml or pass --program-id$/,
    ],
  ])('%s: one line naming it, exit 2', async (name, edit, message) => {
    const r = await startWith(name.replace(/\W+/g, '-').replace(/^-/, ''), edit(good()))
    expect(oneLine(r)).toMatch(message)
  })

  it('an unreadable config file: one line, exit 2', async () => {
    // Root reads files whatever their mode, so a directory stands in for an unreadable file.
    const path = join(dir, 'a-directory.toml')
    await mkdir(path)
    const r = await spawnCli(['validator', 'start', '--config', path])
    expect(oneLine(r)).toMatch(
      /^paraloom: config .*a-directory\.toml: cannot be read \(EISDIR\) \(pass --config with the path of your validator\.toml\)$/,
    )
  })

  it('a missing config file: one line, exit 2', async () => {
    const r = await spawnCli(['validator', 'start', '--config', join(dir, 'absent.toml')])
    expect(oneLine(r)).toMatch(/absent\.toml: does not exist/)
  })

  it('a keypair file that is not a keypair: one line, exit 2', async () => {
    const bad = join(dir, 'not-a-keypair.json')
    await writeFile(bad, '[1, 2, 3]')
    const r = await startWith(
      'bad-keypair',
      good().replace(JSON.stringify(keypairPath), JSON.stringify(bad)),
    )
    expect(oneLine(r)).toMatch(
      /^paraloom: keypair file .*not-a-keypair\.json: expected a JSON array of exactly 64 numbers$/,
    )
  })

  it('a bad flag value overrides a good file and is refused the same way', async () => {
    const path = join(dir, 'good.toml')
    await writeFile(path, good())
    const r = await spawnCli(['validator', 'start', '--config', path, '--grpc-listen', 'localhost'])
    expect(oneLine(r)).toMatch(
      /grpc\.listen: "localhost" is not host:port \(e\.g\. 127\.0\.0\.1:50051\)$/,
    )
  })

  it.each([
    'grpc',
    'metrics',
  ] as const)('a %s port already in use: one line naming it, exit 1', async (busy) => {
    // The test holds a port the OS picked; everything else binds port 0. (That a
    // failed start closes what it had opened is checked in start-abort.e2e.)
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const taken = (holder.address() as AddressInfo).port
    const ports = { grpc: 0, metrics: 0, [busy]: taken }
    try {
      const text = good()
        // Nothing answers there: the node starts on an empty registry and retries.
        .replace('[registry]', '[registry]\nrpc_url = "http://127.0.0.1:1"')
        .concat(
          `[grpc]\nlisten = "127.0.0.1:${ports.grpc}"\n[metrics]\nlisten = "127.0.0.1:${ports.metrics}"\n`,
        )
      const path = join(dir, `busy-${busy}.toml`)
      await writeFile(path, text)
      const r = await spawnCli(['validator', 'start', '--config', path])
      expect(r.code).toBe(1)
      expect(r.stderr).toBe(
        `paraloom: cannot start ${busy} on 127.0.0.1:${taken}: address already in use (EADDRINUSE)\n`,
      )
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })

  it('an unknown flag: one line, exit 2', async () => {
    const r = await spawnCli(['validator', 'start', '--bogus'])
    expect(oneLine(r)).toMatch(/unknown option '--bogus'/)
  })
})
