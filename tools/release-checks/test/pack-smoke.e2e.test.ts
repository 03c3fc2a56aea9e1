import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import semver from 'semver'
import { installGlobally, installTarballs, type NpmSource } from '../src/consumer.js'
import { dependencyEngines, intersectRanges, sameVersions } from '../src/engines.js'
import { userEnv } from '../src/env.js'
import { reachablePackages, undeclaredImports } from '../src/imports.js'
import {
  type LocalRegistry,
  packedPackages,
  startLocalRegistry,
  storePackages,
} from '../src/local-registry.js'
import { type PackedPackage, packPackages } from '../src/pack.js'
import { readmeExample, typecheckExamples } from '../src/readme-examples.js'
import { runCommand } from '../src/run.js'
import { type PublishablePackage, publishablePackages, repoRoot } from '../src/workspace.js'

type Report = Record<string, unknown>

/**
 * One real call per library, run as `<project>/check-*.mjs` under plain node.
 * Each prints one JSON line via `report`, which adds where the import resolved.
 */
const LIBRARY_CHECKS: Record<string, { script: string; expectReport(report: Report): void }> = {
  '@paraloom/cli-kit': {
    script: `
      import { Writable } from 'node:stream'
      import { createLogger, parseHostPort } from '@paraloom/cli-kit'
      let line = ''
      const out = new Writable({ write(chunk, _enc, done) { line += chunk; done() } })
      createLogger({ out }).info('hello', { n: 1n })
      report({ logged: JSON.parse(line), listen: parseHostPort('--listen', '[::1]:50051') })`,
    expectReport: (r) =>
      expect(r).toMatchObject({
        logged: { level: 'info', msg: 'hello', n: '1' },
        listen: { host: '::1', port: 50051 },
      }),
  },
  '@paraloom/codec': {
    script: `
      import { randomBytes } from 'node:crypto'
      import { Vote, publicKeyFromSecret, sign, verify } from '@paraloom/codec'
      const secretKey = randomBytes(32)
      const vote = sign(Vote, {
        network: 'Devnet', height: 42n, round: 0, kind: 'Prevote',
        blockHash: new Uint8Array(32), voter: publicKeyFromSecret(secretKey),
        signature: new Uint8Array(64),
      }, secretKey)
      const back = Vote.decode(Vote.encode(vote))
      report({ verified: verify(Vote, back), json: Vote.toJson(back) })`,
    expectReport: (r) =>
      expect(r).toMatchObject({ verified: true, json: { network: 'Devnet', height: '42' } }),
  },
  '@paraloom/registry': {
    // The stand-in is a subpath of its own: start it on port 0 and ask it once.
    script: `
      import { address, findRegistryPda } from '@paraloom/registry'
      import { LocalRpcStandIn } from '@paraloom/registry/stand-in'
      const pda = await findRegistryPda(address('Para1oomRegistry111111111111111111111111111'))
      const standIn = new LocalRpcStandIn({ port: 0 })
      await standIn.start()
      const res = await fetch(standIn.rpcUrl, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getHealth' }),
      })
      const health = (await res.json()).result
      await standIn.stop()
      report({ pda, health })`,
    expectReport: (r) =>
      expect(r).toMatchObject({
        pda: {
          address: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/),
          bump: expect.any(Number),
        },
        health: 'ok',
      }),
  },
  '@paraloom/interface': {
    script: `
      import { ConfigError, ParaloomError, backoffDelayMs, isNetworkName } from '@paraloom/interface'
      const err = new ConfigError({ code: 'InvalidOption', field: 'port', source: 'smoke' }, 'not a port')
      report({
        network: isNetworkName('devnet'),
        delays: [0, 1, 9].map((attempt) => backoffDelayMs(attempt, { initialMs: 100, maxMs: 1000 })),
        error: { base: err instanceof ParaloomError, ...err.toObject() },
      })`,
    expectReport: (r) =>
      expect(r).toMatchObject({
        network: true,
        delays: [100, 200, 1000],
        error: { base: true, name: 'ConfigError', code: 'InvalidOption' },
      }),
  },
  '@paraloom/p2p': {
    // No process.exit: the process must end by itself once the node stops.
    script: `
      import { randomBytes } from 'node:crypto'
      import { createParaloomNode, StaticDirectory } from '@paraloom/p2p'
      const node = await createParaloomNode({
        network: 'devnet', privateKey: randomBytes(32),
        listen: ['/ip4/127.0.0.1/tcp/0'], directory: new StaticDirectory([]),
      })
      await node.start()
      const addrs = node.getMultiaddrs().map(String)
      await node.stop()
      report({ identity: node.identity, addrs })`,
    expectReport: (r) =>
      expect(r).toMatchObject({
        identity: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/),
        addrs: [expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/)],
      }),
  },
  '@paraloom/proto': {
    script: `
      import { ListPeersResponse, descriptorSet } from '@paraloom/proto'
      const bytes = ListPeersResponse.encode(ListPeersResponse.fromPartial({})).finish()
      report({ descriptorBytes: descriptorSet().length, decoded: ListPeersResponse.decode(bytes).peers })`,
    expectReport: (r) =>
      expect(r).toMatchObject({ descriptorBytes: expect.any(Number), decoded: [] }),
  },
  '@paraloom/peer-monitor': {
    // Opening a store loads better-sqlite3's native addon and runs the migrations.
    script: `
      import { openStore } from '@paraloom/peer-monitor'
      const store = openStore({ file: 'smoke-monitor.db' })
      store.close()
      report({ opened: true })`,
    expectReport: (r) => expect(r).toMatchObject({ opened: true }),
  },
}

/** Each CLI by package, and what its `--help` must start with. */
const CLIS: Record<string, { bin: string; usage: RegExp }> = {
  paraloom: { bin: 'paraloom', usage: /^Usage: paraloom /m },
  '@paraloom/peer-monitor': { bin: 'peer-monitor', usage: /^Usage: peer-monitor /m },
  '@paraloom/devnet': { bin: 'paraloom-devnet', usage: /^Usage: paraloom-devnet /m },
}

/** Libraries whose README opens with an example that must compile. */
const README_EXAMPLES = [
  '@paraloom/cli-kit',
  '@paraloom/codec',
  '@paraloom/interface',
  '@paraloom/registry',
  '@paraloom/p2p',
  '@paraloom/proto',
]

const PUBLISHED = [...new Set([...Object.keys(LIBRARY_CHECKS), ...Object.keys(CLIS)])].sort()

/** What a tarball may hold: its build, docs and licence; `proto/` sources for @paraloom/proto. */
function allowedFile(name: string, path: string): boolean {
  if (/(^|\/)(test|__tests__)\/|\.test\.|\.tsbuildinfo$/.test(path)) return false
  if (name === '@paraloom/proto' && path.startsWith('proto/')) return path.endsWith('.proto')
  return /^(package\.json|README\.md|CHANGELOG\.md|LICEN[CS]E(\.\w+)?|dist\/.+)$/.test(path)
}

/**
 * The Node versions our own code runs on: the workspace root's
 * `engines.node` (20.18+, with the `Promise.withResolvers` polyfill). A
 * package declares this narrowed by what its dependencies declare.
 */
async function ownNodeFloor(): Promise<string> {
  const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'))
  return root.engines.node as string
}

/** Whole-run deadline for one plain-node check or CLI call. */
const RUN_TIMEOUT_MS = 60_000

let work: string
let packages: PublishablePackage[]
let packed: PackedPackage[]
let registry: LocalRegistry | undefined
let source: NpmSource

/**
 * Packs every publishable package and serves the tarballs, with every other
 * package of the workspace's own install, from a registry on 127.0.0.1: the
 * installs below reach no network, and an empty npm cache of their own
 * proves nothing came from an earlier download.
 */
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paraloom-pack-smoke-'))
  await mkdir(join(work, 'tarballs'))
  packages = await publishablePackages()
  packed = await packPackages(packages, join(work, 'tarballs'))
  registry = await startLocalRegistry([
    ...(await packedPackages(packed)),
    ...(await storePackages()),
  ])
  source = { registry: registry.url, cache: join(work, 'npm-cache') }
}, 5 * 60_000)

afterAll(async () => {
  await registry?.stop()
  if (work !== undefined) await rm(work, { recursive: true, force: true })
})

describe('packed tarballs installed in an empty project', () => {
  let project: string

  beforeAll(async () => {
    project = join(work, 'project')
    await mkdir(project)
    await installTarballs(project, packed, source)
  }, 15 * 60_000)

  const installed = (name: string): string => join(project, 'node_modules', name)
  const manifestOf = async (name: string): Promise<Record<string, unknown>> =>
    JSON.parse(await readFile(join(installed(name), 'package.json'), 'utf8'))

  it('publishes exactly the packages these checks cover', () => {
    expect(packages.map((p) => p.name)).toEqual(PUBLISHED)
    expect(packed.map((p) => p.name).sort()).toEqual(PUBLISHED)
  })

  it.each(PUBLISHED)('%s: the tarball holds only its build, README and licence', (name) => {
    const files = packed.find((p) => p.name === name)!.files
    expect(files.filter((f) => !allowedFile(name, f))).toEqual([])
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md']))
    if (name === '@paraloom/proto') {
      expect(files).toEqual(expect.arrayContaining(['dist/generated/descriptor-set.binpb']))
      expect(files.some((f) => f.startsWith('proto/'))).toBe(true)
    }
  })

  it.each(PUBLISHED)('%s: the packed manifest is publishable as is', async (name) => {
    const manifest = await manifestOf(name)
    const ranges = JSON.stringify([manifest.dependencies, manifest.peerDependencies])
    expect(ranges).not.toMatch(/workspace:|catalog:/)
    expect(manifest).toMatchObject({
      type: 'module',
      license: expect.any(String),
      description: expect.any(String),
      repository: expect.objectContaining({ directory: expect.any(String) }),
      engines: { node: expect.any(String) },
      publishConfig: { access: 'public' },
    })
    expect(manifest.private).toBeUndefined()
    // Every path the manifest points at (entry points, bins, side-effect modules) is in the tarball.
    // Only the targets: an exports key such as "./client" names a subpath, not a file.
    const targets = stringLeaves([
      manifest.exports,
      manifest.types,
      manifest.bin,
      manifest.sideEffects,
    ]).filter((t) => t.startsWith('./') && !t.includes('*'))
    for (const target of targets) {
      await expect(stat(join(installed(name), target))).resolves.toBeDefined()
    }
  })

  it.each(
    PUBLISHED,
  )('%s: engines.node accepts exactly the Node versions its installed dependencies accept', async (name) => {
    const declared = ((await manifestOf(name)).engines as { node: string }).node
    const needs = await dependencyEngines(installed(name))
    const floor = await ownNodeFloor()
    const needed = intersectRanges([floor, ...needs.map((n) => n.range)])
    // The dependencies that narrow it, named when the declaration is wrong.
    const why = needs.filter((n) => !semver.subset(floor, n.range))
    expect(
      sameVersions(declared, needed)
        ? 'the same versions'
        : `${name} declares engines.node "${declared}" but its code and dependencies accept "${new semver.Range(needed).range}"; narrowed by ${why.map((n) => `${n.id} (${n.range})`).join(', ')}`,
    ).toBe('the same versions')
  })

  it.each(
    PUBLISHED,
  )('%s: every package its dist imports is a declared dependency', async (name) => {
    expect(await undeclaredImports(installed(name))).toEqual([])
  })

  it('@paraloom/registry: the main entry point does not load ws; its ./stand-in subpath does', async () => {
    const exports = (await manifestOf('@paraloom/registry')).exports as Record<
      string,
      { import: string }
    >
    const entry = (subpath: string): string =>
      join(installed('@paraloom/registry'), exports[subpath]!.import)
    expect(await reachablePackages(entry('.'))).not.toContain('ws')
    expect(await reachablePackages(entry('./stand-in'))).toContain('ws')
  })

  it.each(
    Object.keys(LIBRARY_CHECKS),
  )('%s: imports and works under plain node, resolved from the project', async (name) => {
    const { script, expectReport } = LIBRARY_CHECKS[name]!
    const file = join(project, `check-${name.replace(/\W+/g, '-')}.mjs`)
    const prelude = `const report = (r) => console.log(JSON.stringify({ resolved: import.meta.resolve('${name}'), ...r }))\n`
    await writeFile(file, prelude + script)
    const { stdout } = await runCommand(process.execPath, [file], {
      cwd: project,
      env: userEnv(),
      timeoutMs: RUN_TIMEOUT_MS,
    })
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as Report
    expect(report.resolved).toMatch(
      new RegExp(`^${pathToFileURL(await realpath(installed(name))).href}/`),
    )
    expectReport(report)
  })

  it.each(
    Object.keys(CLIS),
  )('%s: its CLI runs --help from node_modules/.bin without node flags', async (name) => {
    const { bin, usage } = CLIS[name]!
    const binPath = join(project, 'node_modules', '.bin', bin)
    const target = await realpath(binPath)
    expect((await stat(target)).mode & 0o111).not.toBe(0)
    expect(await readFile(target, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
    const { stdout } = await runCommand(binPath, ['--help'], {
      cwd: project,
      env: userEnv(),
      timeoutMs: RUN_TIMEOUT_MS,
    })
    expect(stdout).toMatch(usage)
  })

  it('the README examples type-check against the installed packages', async () => {
    // The README as published: the copy in the tarball.
    const examples = await Promise.all(
      README_EXAMPLES.map((name) => readmeExample(name, installed(name))),
    )
    await typecheckExamples(project, examples)
  })
})

/** A devnet of one validator from a global install: its start-up is dominated by module loading on a busy machine. */
const DEVNET_READY_WITHIN_MS = 180_000
/** SIGINT stops every child (SIGTERM, SIGKILL after 10 s each): room for load. */
const DEVNET_STOPS_WITHIN_MS = 60_000

describe('npm install -g of the CLI tarballs', () => {
  let prefix: string
  const tarballOf = (name: string) => packed.find((p) => p.name === name)!.tarball

  beforeAll(async () => {
    prefix = join(work, 'global')
    await mkdir(prefix)
    // The devnet brings the peer-monitor as its dependency.
    await installGlobally(prefix, [tarballOf('paraloom'), tarballOf('@paraloom/devnet')], source)
  }, 15 * 60_000)

  it('<prefix>/bin/paraloom devnet runs the @paraloom/devnet npm installed beside paraloom', async () => {
    const { stdout } = await runCommand(
      join(prefix, 'bin', 'paraloom'),
      ['devnet', 'up', '--help'],
      { cwd: work, env: userEnv(), timeoutMs: RUN_TIMEOUT_MS },
    )
    expect(stdout).toMatch(/^Usage: paraloom-devnet up /m)
  })

  it('<prefix>/bin/paraloom-devnet up runs the installed paraloom and peer-monitor: the dashboard answers over HTTP', async () => {
    const dir = join(work, 'devnet')
    // PATH without <prefix>/bin: the devnet must find both CLIs where npm installed them, not on PATH.
    const devnet = spawn(
      join(prefix, 'bin', 'paraloom-devnet'),
      ['up', '--validators', '1', '--dir', dir, '--status-interval-ms', '1000'],
      { cwd: work, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    for (const stream of [devnet.stdout, devnet.stderr]) {
      stream.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
    }
    const exited = new Promise<number | null>((resolve) => devnet.once('exit', resolve))
    const pidsInTable = () =>
      [...output.matchAll(/^(?:validator-\d+\s+|registry\s+pid |monitor\s+pid )(\d+)/gm)].map((m) =>
        Number(m[1]),
      )
    try {
      const giveUpAt = Date.now() + DEVNET_READY_WITHIN_MS
      while (!output.includes('[devnet] ready:')) {
        if (devnet.exitCode !== null) throw new Error(`devnet up exited:\n${output}`)
        if (Date.now() > giveUpAt) throw new Error(`devnet up not ready:\n${output}`)
        await delay(200)
      }
      const dashboard = /^monitor\s+pid (\d+)\s+dashboard (\S+)$/m.exec(output)
      expect(dashboard).not.toBeNull()
      // The monitor and the validator that run are the ones npm installed with the devnet.
      const devnetDir = await realpath(join(prefix, 'lib', 'node_modules', '@paraloom', 'devnet'))
      const installedWithDevnet = (name: string) =>
        createRequire(join(devnetDir, 'package.json')).resolve(`${name}/package.json`)
      const commandOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[1]
      expect(commandOf(Number(dashboard![1]))).toBe(
        join(
          dirname(installedWithDevnet('@paraloom/peer-monitor')),
          'dist',
          'bin',
          'peer-monitor.js',
        ),
      )
      const validatorPid = Number(/^validator-1\s+(\d+)/m.exec(output)![1])
      expect(commandOf(validatorPid)).toBe(
        join(dirname(installedWithDevnet('paraloom')), 'dist', 'bin', 'paraloom.js'),
      )
      const page = await fetch(dashboard![2]!, { signal: AbortSignal.timeout(10_000) })
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<title>Paraloom peer monitor</title>')
      const state = (await (
        await fetch(`${dashboard![2]}/api/state`, { signal: AbortSignal.timeout(10_000) })
      ).json()) as { observers: Array<{ name: string | null }> }
      expect(state.observers.map((o) => o.name)).toEqual(['validator-1'])

      const children = pidsInTable()
      expect(children).toHaveLength(3) // the validator, the registry stand-in, the monitor
      devnet.kill('SIGINT')
      const timer = new AbortController()
      const code = await Promise.race([
        exited,
        delay(DEVNET_STOPS_WITHIN_MS, 'timeout' as const, { signal: timer.signal }),
      ])
      timer.abort()
      expect(code).toBe(0)
      expect(children.filter(isRunning)).toEqual([])
    } finally {
      // Whatever happened, nothing this test started keeps running.
      for (const pid of [devnet.pid!, ...pidsInTable()])
        if (isRunning(pid)) process.kill(pid, 'SIGKILL')
    }
  })
})

/** Every string value in `value`, however deeply nested in arrays and objects (keys left out). */
function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (value === null || typeof value !== 'object') return []
  return Object.values(value).flatMap(stringLeaves)
}

/** Running: it exists and is not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
