// `paraloom validator sync --from-peer`, the real CLI in its own process,
// against running validators: a validator that was down fetches the blocks
// it missed into its state directory's block log, byte for byte as the peer
// serves them; a peer that is not running and a peer that never answers end
// it with an error naming the peer, within the request deadline. An
// unreadable registry and a SIGTERM end it too, with a line saying which.
import { readFile, stat } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { stateSyncProtocol } from '@paraloom/p2p'
import { Topic } from '@paraloom/proto'
import { eventually, TestProcess } from '@paraloom/test-utils'
import { BLOCK_LOG_FILE } from '../src/sync/block-log.js'
import { blockBytes, signedBlock } from './helpers/blocks.js'
import { builtCliPath, type CliResult, spawnCli } from './helpers/cli.js'
import type { TestValidator } from './helpers/cluster.js'
import { useCluster } from './helpers/cluster-suite.js'
import { publishWhenMeshed } from './helpers/grpc.js'
import { parseExposition, sampleValue } from './helpers/prometheus.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(120_000)

/** The validator that was down: the CLI runs with its config, and so with its identity. */
const DOWN = 2
/**
 * More blocks than the peers' default burst of requests (20), one block per
 * request: a catch-up that outran the peer's per-peer rate would be refused.
 */
const HEIGHTS = 40
const suite = useCluster({
  size: 3,
  deferred: [DOWN],
  sync: (i): Record<string, number | boolean> => (i === DOWN ? { catch_up_batch: 1 } : {}),
})
/** Deadline of each request in the error cases; the CLI must end within it plus its start-up. */
const REQUEST_TIMEOUT_MS = 3000
/**
 * How long a signalled sync may take to exit: it stops its client and closes
 * its block log, nothing more (a node's own bound for a stop is 2 s), far
 * within the request deadline it is given.
 */
const STOP_BOUND_MS = 10_000
/** What a CLI process may take to load and read the registry on a busy machine, on top of its deadlines. */
const CLI_START_ALLOWANCE_MS = 45_000

let validators: TestValidator[]
let down: TestValidator
let blockLog: string
/** Every block published, in height order. */
const published: Uint8Array[] = []

const multiaddrOf = (v: TestValidator, port = v.ports.p2p) =>
  `/ip4/127.0.0.1/tcp/${port}/p2p/${v.peerId}`

function sync(...args: string[]): Promise<CliResult> {
  return spawnCli(['validator', 'sync', '--config', down.configPath, ...args], {
    timeoutMs: CLI_START_ALLOWANCE_MS + 2 * REQUEST_TIMEOUT_MS,
  })
}

/** The records of a block log: u32 little-endian length, then the block's bincode. */
async function blockLogRecords(path: string): Promise<Uint8Array[]> {
  const data = await readFile(path)
  const records: Uint8Array[] = []
  for (let offset = 0; offset < data.length; ) {
    const length = data.readUInt32LE(offset)
    records.push(new Uint8Array(data.subarray(offset + 4, offset + 4 + length)))
    offset += 4 + length
  }
  return records
}

async function inboundSyncOutcome(v: TestValidator, outcome: string): Promise<number> {
  const res = await fetch(v.metricsUrl, { signal: AbortSignal.timeout(5000) })
  const metrics = parseExposition(await res.text())
  const labels = { protocol: stateSyncProtocol('devnet'), direction: 'inbound', outcome }
  return sampleValue(metrics, 'paraloom_requests_total', labels) ?? 0
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

beforeAll(async () => {
  validators = suite.cluster.validators
  down = validators[DOWN]!
  blockLog = join(suite.cluster.dir, `state-${DOWN}`, BLOCK_LOG_FILE)
  // Proposed and published by validator 0 (gRPC Publish takes only this node's own
  // blocks), which keeps what it publishes.
  for (let h = 1; h <= HEIGHTS; h++) {
    const bytes = blockBytes(
      signedBlock(validators[0]!.keypair, { height: BigInt(h), txBytes: 64 }),
    )
    await publishWhenMeshed(suite.clients[0]!.gossip, Topic.TOPIC_BLOCKS, bytes)
    published.push(bytes)
  }
}, 120_000)

describe('paraloom validator sync --from-peer, against a running validator', () => {
  it('fetches every block the peer serves into <state_dir>/blocks.log, byte for byte', async () => {
    const peer = multiaddrOf(validators[0]!)
    const res = await sync('--from-peer', peer)
    expect(res).toMatchObject({ code: 0 })
    expect(res.stdout).toBe(
      `synced from ${peer}: kept ${HEIGHTS} new blocks, heights 1..${HEIGHTS}, ` +
        `peer tip ${HEIGHTS}, ${HEIGHTS} requests into ${blockLog}\n`,
    )
    expect((await blockLogRecords(blockLog)).map(hex)).toEqual(published.map(hex))
  })

  it('kept to the peer’s request rate: the peer refused none of its requests', async () => {
    expect(await inboundSyncOutcome(validators[0]!, 'ok')).toBeGreaterThanOrEqual(HEIGHTS)
    expect(await inboundSyncOutcome(validators[0]!, 'RateLimited')).toBe(0)
  })

  it('finds a peer named by its validator identity at its registry address, and keeps nothing twice', async () => {
    const before = await stat(blockLog)
    const res = await sync('--from-peer', validators[0]!.identity, '--from-height', '1')
    expect(res).toMatchObject({ code: 0 })
    expect(res.stdout).toMatch(
      new RegExp(
        `^synced from ${validators[0]!.identity}: kept 0 new blocks, heights 1\\.\\.${HEIGHTS}, `,
      ),
    )
    expect((await stat(blockLog)).size).toBe(before.size)
  })
})

describe('paraloom validator sync --from-peer, when the peer does not answer', () => {
  let silent: Server
  const accepted: Socket[] = []

  beforeAll(async () => {
    // Accepts connections and never writes a byte: not even the Noise handshake completes.
    silent = createServer((socket) => {
      accepted.push(socket)
      socket.on('error', () => {})
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  })

  afterAll(async () => {
    for (const socket of accepted) socket.destroy()
    await new Promise((resolve) => silent.close(resolve))
  })

  it('a peer that never answers: the request deadline ends it, naming the peer', async () => {
    const port = (silent.address() as { port: number }).port
    const peer = multiaddrOf(validators[0]!, port)
    const res = await sync('--from-peer', peer, '--timeout-ms', String(REQUEST_TIMEOUT_MS))
    expect(res.code).toBe(1)
    expect(res.stderr).toContain(`paraloom: sync from ${peer} failed: `)
    expect(res.stderr).toMatch(/deadline passed/)
    expect(accepted.length).toBeGreaterThan(0)
    expect(res.stdout).toBe('')
  })

  it('SIGTERM while a request waits: it stops at once and says so', async () => {
    const port = (silent.address() as { port: number }).port
    const connections = accepted.length
    const child = TestProcess.node(builtCliPath, [
      'validator',
      'sync',
      '--config',
      down.configPath,
      '--from-peer',
      multiaddrOf(validators[0]!, port),
      '--timeout-ms',
      String(6 * STOP_BOUND_MS),
    ])
    try {
      // Its request is under way once the silent peer has its connection.
      await eventually(
        'the sync to dial the silent peer',
        () => (accepted.length > connections ? true : undefined),
        { timeoutMs: CLI_START_ALLOWANCE_MS },
      )
      child.kill('SIGTERM')
      expect((await child.exit(STOP_BOUND_MS)).code).toBe(1)
      expect(child.stderr).toMatch(/sync from .* stopped \(SIGTERM\)/)
    } finally {
      child.signal('SIGKILL')
    }
  })

  it('a registry that cannot be read: an error naming its URL', async () => {
    const rpc = 'http://127.0.0.1:1'
    const res = await sync('--from-peer', multiaddrOf(validators[0]!), '--rpc-url', rpc)
    expect(res.code).toBe(1)
    expect(res.stderr).toContain(`paraloom: registry read from ${rpc} failed: `)
  })

  it('a peer that is not running: an error naming it, whether named by multiaddr or identity', async () => {
    const stopped = validators[1]!
    await stopped.stop()
    for (const peer of [multiaddrOf(stopped), stopped.identity]) {
      const res = await sync('--from-peer', peer, '--timeout-ms', String(REQUEST_TIMEOUT_MS))
      expect(res.code).toBe(1)
      expect(res.stderr).toContain(`paraloom: sync from ${peer} failed: `)
      expect(res.stderr).toContain(`cannot open a stream to ${stopped.peerId}`)
    }
  })
})
