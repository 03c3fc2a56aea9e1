// Request-frame floods against a real node in its own process (run with
// --expose-gc), from registered validators speaking raw streams: each stream
// declares a 100 MiB frame, then pushes data, or holds ~3.9 MiB unread and
// never closes. With and without a handler installed, the target must ban
// the attacker at its first over-cap prefix, reset its streams, and keep
// its live memory (heap + external, after a full GC) within 20 MB of the
// level before the attack. Before these fixes, refused streams were closed
// gracefully: they kept buffering up to 4 MiB each, nobody was banned, and
// a held flood kept ~125 MiB per connection.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface, type Interface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Stream } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { childEnv } from '@paraloom/test-utils'
import {
  type ParaloomNode,
  publicKeyFromSolanaAddress,
  StaticDirectory,
  seedPeer,
  stateSyncProtocol,
  withdrawalProofProtocol,
} from '../src/index.js'
import { encodeVarint } from '../src/reqresp/frame.js'
import { makeValidator, seedOf, startNode, stopAll, type Validator } from './helpers/nodes.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/reqresp-target.mjs', import.meta.url))
const PROTOCOLS = [stateSyncProtocol('localnet'), withdrawalProofProtocol('localnet')]
const KiB = 1024
const MiB = 1024 * KiB
const MB = 1e6
/** The bound the issue sets on growth under any flood. */
const GROWTH_BOUND_BYTES = 20 * MB
const DECLARED = 100 * MiB
const CHUNK = 64 * KiB
/** libp2p's per-connection cap on one protocol's inbound streams: a held flood fills it. */
const STREAMS_PER_PROTOCOL = 16
/** Bound on one attack; deadlines inside derive from it. */
const ATTACK_TIMEOUT_MS = 20_000

interface Measure {
  liveBytes: number
  rssBytes: number
  bufferedBytes: number
  streams: number
  connectedTo: string[]
  bans: { peer: string; reason: string }[]
  /** Inbound request outcomes so far: outcome → count. */
  outcomes: Record<string, number>
}

class Target {
  private readonly lines: Interface
  private readonly pending: ((line: string) => void)[] = []

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })
    this.lines.on('line', (line) => this.pending.shift()?.(line))
  }

  nextLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`target exited (${code})`))
      this.child.once('exit', onExit)
      this.pending.push((line) => {
        this.child.off('exit', onExit)
        resolve(line)
      })
    })
  }

  async measure(): Promise<Measure> {
    const answer = this.nextLine()
    this.child.stdin.write('measure\n')
    return JSON.parse(await answer) as Measure
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = once(this.child, 'exit')
    this.child.stdin.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}

const children: ChildProcessWithoutNullStreams[] = []

async function startTarget(
  handler: boolean,
  attackers: { validator: Validator; node: ParaloomNode }[],
): Promise<{ target: Target; address: Multiaddr; identity: string }> {
  const peers = attackers.map(({ validator, node }) => ({
    publicKeyHex: Buffer.from(validator.publicKey).toString('hex'),
    multiaddrs: node.getMultiaddrs().map(String),
  }))
  const child = spawn(
    process.execPath,
    ['--expose-gc', FIXTURE, JSON.stringify({ handler, peers })],
    {
      env: childEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  children.push(child)
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk))
  const target = new Target(child)
  const hello = JSON.parse(await target.nextLine()) as { identity: string; multiaddrs: string[] }
  return { target, address: multiaddr(hello.multiaddrs[0]!), identity: hello.identity }
}

interface AttackResult {
  /**
   * How each stream opened ended: 'reset' (with an error), 'closed' (cleanly:
   * the ban's hang-up can close the connection before the reset is read),
   * 'open' (not yet).
   */
  ends: ('reset' | 'closed' | 'open')[]
  /** Dials refused once the target banned us. */
  refusedDials: number
  bytesSent: number
}

/**
 * Opens `streams` request streams (alternating the two protocols); on each
 * declares a 100 MiB frame and pushes `bytesPerStream`; with `hold` leaves
 * them open afterwards, otherwise closes them. With `openFirst` every stream
 * is opened before any is written to: that fills the per-peer concurrency
 * limit, so the later streams are refused, the path that used to buffer.
 * Stops opening once a dial is refused.
 */
async function attack(
  attacker: ParaloomNode,
  address: Multiaddr,
  options: { streams: number; bytesPerStream: number; hold: boolean; openFirst: boolean },
): Promise<AttackResult> {
  const deadline = AbortSignal.timeout(ATTACK_TIMEOUT_MS)
  const result: AttackResult = { ends: [], refusedDials: 0, bytesSent: 0 }
  const opened: Stream[] = []
  const pushes: Promise<void>[] = []
  const start = (stream: Stream) =>
    pushes.push(push(stream, options.bytesPerStream, options.hold, deadline, result))
  for (let i = 0; i < options.streams && !deadline.aborted; i++) {
    let stream: Stream
    try {
      stream = await attacker.libp2p.dialProtocol(address, PROTOCOLS[i % 2]!, { signal: deadline })
    } catch {
      result.refusedDials++
      break
    }
    const index = result.ends.push('open') - 1
    stream.addEventListener('close', (evt) => {
      result.ends[index] = evt.error == null ? 'closed' : 'reset'
    })
    if (options.openFirst) opened.push(stream)
    else start(stream)
  }
  for (const stream of opened) start(stream)
  await Promise.all(pushes)
  return result
}

async function push(
  stream: Stream,
  bytes: number,
  hold: boolean,
  signal: AbortSignal,
  result: AttackResult,
): Promise<void> {
  const chunk = new Uint8Array(CHUNK).fill(7)
  try {
    stream.send(encodeVarint(DECLARED))
    for (let sent = 0; sent < bytes && stream.status === 'open'; sent += CHUNK) {
      if (!stream.send(chunk)) await stream.onDrain({ signal })
      result.bytesSent += CHUNK
    }
    if (!hold) await stream.close({ signal })
  } catch {
    // The target reset the stream or hung up: what the tests look for.
  }
}

afterAll(async () => {
  await stopAll()
  for (const child of children) {
    if (child.exitCode === null && child.pid != null) process.kill(child.pid, 'SIGKILL')
  }
})

describe.each([
  ['with a handler installed', true],
  ['without a handler', false],
])('request-frame floods, %s', (_, handler) => {
  const directory = new StaticDirectory()
  const attackers: { validator: Validator; node: ParaloomNode }[] = []
  let target: Target
  let address: Multiaddr

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const validator = makeValidator()
      // Not a seed of anyone: the attackers only dial the target themselves.
      const node = await startNode(validator, directory, { refreshIntervalMs: 60_000 })
      attackers.push({ validator, node })
    }
    const started = await startTarget(handler, attackers)
    target = started.target
    address = started.address
    directory.add(seedPeer(publicKeyFromSolanaAddress(started.identity), [address.toString()]))
    for (const { validator, node } of attackers) directory.add(seedOf(validator, node))
  })

  afterAll(async () => {
    await target?.stop()
  })

  /**
   * Runs `attack` from attacker `index`, then checks what every flood must end
   * with, measured while the attacker still holds whatever the target left
   * open: the attacker banned for its over-cap prefix and disconnected, the
   * offending stream reset (counted as TooLarge), no attacker stream open,
   * nothing buffered, live memory within the bound.
   */
  async function floodAndCheck(
    index: number,
    options: Parameters<typeof attack>[2],
  ): Promise<AttackResult> {
    const { node } = attackers[index]!
    await node.libp2p.dial(address)
    const before = await target.measure()
    const result = await attack(node, address, options)
    const after = await target.measure()
    const peer = node.peerId.toString()
    expect(after.bans).toContainEqual({ peer, reason: 'oversize_request' })
    expect(after.connectedTo).not.toContain(peer)
    expect(after.outcomes.TooLarge ?? 0).toBeGreaterThan(before.outcomes.TooLarge ?? 0)
    expect(result.ends).not.toContain('open')
    expect(after.bufferedBytes).toBe(0)
    expect(after.liveBytes - before.liveBytes).toBeLessThan(GROWTH_BOUND_BYTES)
    return result
  }

  it('a peer declaring 100 MiB frames and pushing data is banned at once, its streams reset', async () => {
    const result = await floodAndCheck(0, {
      streams: 3 * STREAMS_PER_PROTOCOL,
      bytesPerStream: 1 * MiB,
      hold: false,
      openFirst: false,
    })
    // Banned at its first over-cap prefix: the dials after it refused long before any stream cap.
    expect(result.refusedDials).toBe(1)
    expect(result.ends.length).toBeLessThan(STREAMS_PER_PROTOCOL)
  })

  it('held streams (100 MiB declared, ~3.9 MiB sent, never closed) end with the peer banned and memory back', async () => {
    await floodAndCheck(1, {
      streams: 2 * STREAMS_PER_PROTOCOL,
      bytesPerStream: 3.9 * MiB,
      hold: true,
      // With a handler, opening every stream first gets most of them refused (the per-peer
      // limit); without one, every stream is refused anyway and must see its prefix in time.
      openFirst: handler,
    })
  })
})
