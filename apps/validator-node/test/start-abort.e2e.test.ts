// Start and stop that interrupt each other: a stop (or an abort signal) at
// every step of a validator's start rolls back what already started, and a
// real `validator start` process exits 0 within 2 s on SIGTERM at any point
// of its start, also with a Solana RPC that accepts and never answers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { noopLogger } from '@paraloom/interface'
import { address, buildGenesisAccounts } from '@paraloom/registry'
import { LocalRpcStandIn } from '@paraloom/registry/stand-in'
import { probePort } from '@paraloom/test-utils'
import { loadConfig, type ValidatorConfig } from '../src/config/index.js'
import { generateKeypair, writeKeypairFile } from '../src/keypair.js'
import { ValidatorNode } from '../src/node/validator-node.js'
import { PROGRAM_ID, TestValidator } from './helpers/cluster.js'
import { loneValidatorToml } from './helpers/lone-validator.js'

// Real processes on a shared, loaded machine: loading the CLI alone can take seconds.
jest.setTimeout(90_000)

/** The bound: once the node handles SIGINT/SIGTERM, at any moment, it exits 0 within this. */
const EXIT_WITHIN_MS = 2000
/** A loose bound on the whole: the signal is seen and the process gone (a hang fails it). */
const SIGNAL_SEEN_WITHIN_MS = 15_000

/** The start-up lines, in order: a stop is tried right after each one. */
const START_LINES = [
  /^loading network=/,
  /^kademlia bootstrap: /,
  /^gossipsub subscribed: .*\/blocks$/,
  /^ping behaviour active$/,
  /^ready: /,
]

let dir: string
/** Every config key at its default; the tests set what they need over it. */
let defaults: ValidatorConfig
let standIn: LocalRpcStandIn
/** A TCP server that accepts every connection and never answers: a hung Solana RPC. */
let silentRpc: Server
const held: Socket[] = []
let silentRpcUrl: string
const keypair = generateKeypair()
const keypairPath = (): string => join(dir, 'validator.json')

beforeAll(async () => {
  defaults = await loadConfig(undefined, { network: 'devnet' })
  dir = await mkdtemp(join(tmpdir(), 'paraloom-start-abort-'))
  await writeKeypairFile(keypairPath(), keypair)
  const programId = address(PROGRAM_ID)
  standIn = new LocalRpcStandIn({
    programId,
    port: 0,
    accounts: await buildGenesisAccounts({ programId, network: 'devnet', validators: [] }),
  })
  await standIn.start()
  silentRpc = createServer((socket) => {
    held.push(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => silentRpc.listen(0, '127.0.0.1', resolve))
  const { port } = silentRpc.address() as { port: number }
  silentRpcUrl = `http://127.0.0.1:${port}`
})

afterAll(async () => {
  for (const s of held) s.destroy()
  await new Promise((resolve) => silentRpc.close(resolve))
  await standIn.stop()
  await rm(dir, { recursive: true, force: true })
})

/** Every port on 0: nothing is picked in advance; the test reads what was bound. */
function config(rpcUrl: string, wsUrl: string, name: string): ValidatorConfig {
  return {
    ...defaults,
    network: 'devnet',
    stateDir: join(dir, `state-${name}`),
    identity: { keypairPath: keypairPath() },
    p2p: { ...defaults.p2p, listen: ['/ip4/127.0.0.1/tcp/0'] },
    registry: { ...defaults.registry, rpcUrl, wsUrl, programId: PROGRAM_ID, refreshSecs: 2 },
    liveness: { pingIntervalMs: 500, pingTimeoutMs: 500, slowRttMs: 10_000, offlineAfterMissed: 3 },
    grpc: { ...defaults.grpc, listen: '127.0.0.1:0' },
    metrics: { ...defaults.metrics, listen: '127.0.0.1:0' },
  }
}

/** The TCP ports `node` has bound so far (libp2p, gRPC, metrics). */
function boundPorts(node: ValidatorNode): number[] {
  const p2p = (node.node?.getMultiaddrs() ?? []).map((ma) =>
    Number(/\/tcp\/(\d+)/.exec(String(ma))?.[1]),
  )
  return [...p2p, node.grpcPort, node.metricsPort].filter((p): p is number => p !== undefined)
}

/**
 * An in-process node whose `onLine` runs synchronously on each start-up line
 * (the moment between two start steps), recording the ports bound by then.
 */
function nodeWithHook(
  name: string,
  onLine: (line: string, node: ValidatorNode) => void,
  change: Partial<ValidatorConfig> = {},
) {
  const seen = { lines: [] as string[], ports: [] as number[] }
  const node: ValidatorNode = new ValidatorNode({
    config: { ...config(standIn.rpcUrl, standIn.wsUrl, name), ...change },
    keypair,
    logger: noopLogger,
    announce: (line) => {
      seen.lines.push(line)
      seen.ports = boundPorts(node)
      onLine(line, node)
    },
  })
  return { node, seen }
}

async function expectRefused(ports: number[]): Promise<void> {
  for (const port of ports) expect(await probePort(port)).toBe('refused')
}

describe('ValidatorNode: a stop or an abort between any two start steps', () => {
  // The last line is `ready:`, after which the start has nothing left to abort.
  const points = START_LINES.slice(0, -1).map((pattern, i) => [String(pattern), i] as const)

  it.each(points)('abort signal after %s: start rejects, what started is stopped', async (_, i) => {
    const abort = new AbortController()
    const { node, seen } = nodeWithHook(`abort-${i}`, (line) => {
      if (START_LINES[i]!.test(line)) abort.abort()
    })
    await expect(node.start({ signal: abort.signal })).rejects.toMatchObject({
      name: 'AbortError',
    })
    expect(seen.lines.some((l) => l.startsWith('ready:'))).toBe(false)
    await expectRefused(seen.ports)
    // Stop after an aborted start has nothing left to do, and may be called anyway.
    await node.stop()
  })

  it.each(
    points,
  )('stop() during start after %s: stop waits for the rollback; nothing is left listening', async (_, i) => {
    let stopped: Promise<void> | undefined
    const { node, seen } = nodeWithHook(`stop-${i}`, (line, n) => {
      if (START_LINES[i]!.test(line)) stopped = n.stop()
    })
    const started = node.start()
    await expect(started).rejects.toMatchObject({ name: 'AbortError' })
    await stopped
    // When stop() resolves, every port bound by the start is closed already.
    expect(seen.ports.length).toBeGreaterThanOrEqual(i >= 2 ? 1 : 0)
    await expectRefused(seen.ports)
    expect(seen.lines.some((l) => l.startsWith('ready:'))).toBe(false)
  })

  it('a stop after a completed start closes every port; a second stop is harmless', async () => {
    const { node, seen } = nodeWithHook('complete', () => {})
    await node.start()
    const ports = boundPorts(node)
    expect(ports).toHaveLength(3)
    expect(seen.lines.at(-1)).toMatch(/^ready: /)
    await Promise.all([node.stop(), node.stop()])
    await expectRefused(ports)
  })

  it('a step that fails (metrics port taken): start rejects naming it, libp2p is stopped again', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const taken = (holder.address() as { port: number }).port
    try {
      const { node, seen } = nodeWithHook('busy-metrics', () => {}, {
        metrics: { listen: `127.0.0.1:${taken}` },
      })
      await expect(node.start()).rejects.toMatchObject({ name: 'NodeStartError', phase: 'metrics' })
      expect(seen.ports.length).toBeGreaterThanOrEqual(1) // libp2p listened before metrics failed
      await expectRefused(seen.ports)
      await node.stop()
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })

  it('an RPC that never answers: stop() during the registry read returns at once', async () => {
    let stopped: Promise<void> | undefined
    const node = new ValidatorNode({
      config: config(silentRpcUrl, 'ws://127.0.0.1:1', 'silent'),
      keypair,
      logger: noopLogger,
      announce: (line) => {
        if (line.startsWith('loading network=')) stopped = node.stop()
      },
    })
    const startedAt = Date.now()
    await expect(node.start()).rejects.toMatchObject({ name: 'AbortError' })
    await stopped
    // The registry's request timeout is 10 s: only the abort ends the read this early.
    expect(Date.now() - startedAt).toBeLessThan(5000)
  })
})

describe('paraloom validator start: SIGTERM at any point of the start', () => {
  async function validatorProcess(name: string, rpcUrl: string, wsUrl: string) {
    const path = join(dir, `${name}.toml`)
    const { stateDir, registry } = config(rpcUrl, wsUrl, name)
    await writeFile(
      path,
      loneValidatorToml({ stateDir, keypairPath: keypairPath(), ...registry, rpcUrl, wsUrl }),
    )
    return new TestValidator(0, keypair, path, { p2p: 0, grpc: 0, metrics: 0 })
  }

  /**
   * SIGTERM as soon as `line` is printed. Returns how the process ended and
   * how long after the node handled the signal (its `shutting down` log line)
   * it was gone: on a loaded machine a signal can wait behind a synchronous
   * stretch of libp2p's start before the node sees it at all.
   */
  async function sigtermAfter(v: TestValidator, line: RegExp) {
    v.launch()
    try {
      await v.waitForLine(line, 60_000)
      v.kill('SIGTERM')
      const status = await v.exit(SIGNAL_SEEN_WITHIN_MS)
      const exitedAt = Date.now()
      const handled = v.lines.find((l) => l.includes('"msg":"shutting down"'))
      const handledAt = handled === undefined ? Number.NaN : Date.parse(JSON.parse(handled).time)
      return { status, exitMs: exitedAt - handledAt }
    } finally {
      await v.stop()
    }
  }

  it('an RPC that accepts and never answers: exit 0 within 2 s, never "ready"', async () => {
    const v = await validatorProcess('hung-rpc', silentRpcUrl, 'ws://127.0.0.1:1')
    const { status, exitMs } = await sigtermAfter(v, /^loading network=/)
    expect(status).toEqual({ code: 0, signal: null })
    expect(exitMs).toBeLessThanOrEqual(EXIT_WITHIN_MS)
    expect(v.lines.some((l) => l.startsWith('ready:'))).toBe(false)
    expect(v.lines.at(-1)).toMatch(/"msg":"node stopped"/)
    expect(v.stderr).toBe('')
  })

  it.each(
    START_LINES.map((p) => [String(p), p] as const),
  )('SIGTERM right after %s: exit 0 within 2 s', async (_, line) => {
    const v = await validatorProcess('points', standIn.rpcUrl, standIn.wsUrl)
    const { status, exitMs } = await sigtermAfter(v, line)
    expect(status).toEqual({ code: 0, signal: null })
    expect(exitMs).toBeLessThanOrEqual(EXIT_WITHIN_MS)
    expect(v.lines.at(-1)).toMatch(/"msg":"node stopped"/)
    expect(v.stderr).toBe('')
  })
})
