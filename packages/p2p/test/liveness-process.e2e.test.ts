// Liveness against a validator in another process: SIGSTOP, SIGCONT, SIGKILL
// and a restart with the same keypair on the same port. Timings are short:
// interval 300 ms, timeout 1000 ms, slow 500 ms, N = 3.
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerState } from '@paraloom/interface'
import { TestProcess, waitFor } from '@paraloom/test-utils'
import { createLiveness, type Liveness, type PeerTransition } from '../src/liveness/index.js'
import {
  componentsFor,
  createPingNode,
  type PingNode,
  type TestKey,
  testKey,
} from './fixtures/liveness-helpers.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/liveness-node.mjs', import.meta.url))
const N = 3
const STATE_TIMEOUT_MS = 10_000

const children: TestProcess[] = []

/** Spawns the fixture node and resolves with its listening multiaddr once it prints it. */
async function spawnNode(
  key: TestKey,
  port: number,
): Promise<{ child: TestProcess; addr: string }> {
  const child = TestProcess.node(FIXTURE, [key.seedHex, String(port)], { name: 'fixture node' })
  children.push(child)
  const info = JSON.parse(await child.waitForLine(/^\{/, STATE_TIMEOUT_MS)) as {
    peerId: string
    multiaddrs: string[]
  }
  expect(info.peerId).toBe(key.peerId.toString())
  return { child, addr: info.multiaddrs[0]! }
}

describe('liveness against a validator in another process', () => {
  let watcher: PingNode
  let liveness: Liveness
  let target: TestKey
  let child: TestProcess
  let port: number
  const transitions: PeerTransition[] = []

  /** The first transition into `to` after sequence `after`. */
  const next = (to: PeerState, after: number) =>
    waitFor(
      `${to} after #${after}`,
      () => transitions.find((t) => t.sequence > after && t.to === to),
      STATE_TIMEOUT_MS,
    )
  const last = () => transitions.at(-1)?.sequence ?? 0

  beforeAll(async () => {
    const [w, t] = await Promise.all([testKey(21), testKey(22)])
    target = t
    const spawned = await spawnNode(target, 0)
    child = spawned.child
    port = Number(/\/tcp\/(\d+)/.exec(spawned.addr)?.[1])
    expect(port).toBeGreaterThan(0)
    watcher = await createPingNode(w.privateKey)
    await watcher.peerStore.merge(target.peerId, { multiaddrs: [multiaddr(spawned.addr)] })
    liveness = createLiveness(
      {
        pingIntervalMs: 300,
        // Generous beside the interval: on a busy machine (CI runs every
        // package at once) a reply can take hundreds of ms, and this test is
        // about what a stopped or killed process looks like, not a slow one.
        pingTimeoutMs: 1000,
        slowRttMs: 500,
        offlineAfterMissed: N,
        redialBackoff: { initialMs: 100, maxMs: 600 },
      },
      componentsFor(watcher),
    )
    liveness.registry.onTransition((tr) => transitions.push(tr))
    liveness.setPeers([{ peerId: target.peerId, identity: target.identity }])
    liveness.start()
  }, 20_000)

  afterAll(async () => {
    await liveness?.stop()
    await watcher?.stop()
    for (const c of children) {
      c.signal('SIGCONT')
      c.signal('SIGKILL')
    }
  })

  it('sees the running node CONNECTED', async () => {
    const t = await next(PeerState.CONNECTED, 0)
    expect(t).toMatchObject({ from: PeerState.UNKNOWN, validator: target.identity })
  }, 15_000)

  it('SIGSTOP: a stopped process never replies, so every probe times out and it is OFFLINE (never SLOW)', async () => {
    const from = last()
    child.signal('SIGSTOP')
    const offline = await next(PeerState.OFFLINE, from)
    expect(offline).toMatchObject({
      from: PeerState.CONNECTED,
      consecutiveMisses: N,
      reason: 'timeout',
      rttMs: null,
    })
    // no reply arrived, so no smoothed RTT could cross slowRttMs
    expect(transitions.filter((t) => t.sequence > from && t.sequence < offline.sequence)).toEqual(
      [],
    )
  }, 15_000)

  it('SIGCONT: it replies again and is CONNECTED', async () => {
    const from = last()
    child.signal('SIGCONT')
    const back = await next(PeerState.CONNECTED, from)
    // the first reply decides: a backlog-delayed first echo may pass through SLOW first
    const path = transitions.filter((t) => t.sequence > from && t.sequence <= back.sequence)
    expect(path[0]?.from).toBe(PeerState.OFFLINE)
    expect(path.every((t) => t.to === PeerState.CONNECTED || t.to === PeerState.SLOW)).toBe(true)
  }, 15_000)

  it('SIGKILL: OFFLINE after exactly N misses, straight from CONNECTED', async () => {
    const from = last()
    expect(transitions.at(-1)?.to).toBe(PeerState.CONNECTED)
    child.signal('SIGKILL')
    await child.exited
    const offline = await next(PeerState.OFFLINE, from)
    expect(offline.consecutiveMisses).toBe(N)
    expect(offline.from).toBe(PeerState.CONNECTED)
    expect(transitions.filter((t) => t.sequence > from && t.sequence < offline.sequence)).toEqual(
      [],
    )
    // the snapshot agrees while misses keep accumulating
    expect(liveness.registry.get(target.peerId.toString())?.state).toBe(PeerState.OFFLINE)
  }, 15_000)

  it('a restart with the same keypair on the same port returns to CONNECTED', async () => {
    const from = last()
    const restarted = await spawnNode(target, port)
    child = restarted.child
    const back = await next(PeerState.CONNECTED, from)
    expect(back).toMatchObject({ from: PeerState.OFFLINE, consecutiveMisses: 0, reason: 'reply' })
    const sequences = transitions.map((t) => t.sequence)
    expect(sequences).toEqual(sequences.map((_, i) => i + 1))
  }, 20_000)
})
