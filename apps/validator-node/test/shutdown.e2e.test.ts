// SIGTERM (and SIGINT) under load: a validator serving a flood of gRPC calls,
// open streams and scrapes exits 0 within 5 s and leaves nothing listening.
import { describe, expect, it, jest } from '@jest/globals'
import { type GossipMessage, type PeerEvent, PeerState, Topic } from '@paraloom/proto'
import { eventually, probePort } from '@paraloom/test-utils'
import type { TestValidator } from './helpers/cluster.js'
import { useCluster } from './helpers/cluster-suite.js'
import { publish, publishWhenMeshed, StreamReader, waitForFullMesh } from './helpers/grpc.js'
import { signedVote } from './helpers/votes.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(60_000)

/** The spec's bound on a clean stop. */
const STOP_WITHIN_MS = 5000

const suite = useCluster({ size: 3 })

/**
 * Keeps `concurrency` copies of `call` in flight against a node until
 * `stop()`, counting successes; failures (expected once the node goes) are
 * counted too. Each call carries its own deadline.
 */
function flood(concurrency: number, call: () => Promise<unknown>) {
  const counts = { ok: 0, failed: 0 }
  let running = true
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        await call()
        counts.ok++
      } catch {
        counts.failed++
      }
    }
  }
  const workers = Array.from({ length: concurrency }, worker)
  return {
    counts,
    async stop() {
      running = false
      await Promise.all(workers)
    },
  }
}

/** Puts `victim` under load: streams, Publish, ListPeers and /metrics floods. */
async function load(victim: TestValidator) {
  const clients = suite.connect(victim.grpcAddress)
  const subscription = suite.track(
    new StreamReader<GossipMessage>(clients.gossip.subscribe({ topics: [] })),
  )
  const watch = suite.track(clients.watchPeers())
  await watch.next('a snapshot')
  await publishWhenMeshed(clients.gossip, Topic.TOPIC_VOTES, signedVote(victim))
  const floods = [
    flood(4, () => publish(clients.gossip, Topic.TOPIC_VOTES, signedVote(victim))),
    flood(4, () => clients.listPeers()),
    flood(2, async () => {
      const res = await fetch(victim.metricsUrl, { signal: AbortSignal.timeout(5000) })
      await res.text()
      if (res.status !== 200) throw new Error(`status ${res.status}`)
    }),
  ]
  await eventually('the floods to be served', () =>
    floods.every((f) => f.counts.ok >= 20) ? true : undefined,
  )
  return {
    streams: [subscription, watch] as StreamReader<GossipMessage | PeerEvent>[],
    stop: () => Promise.all(floods.map((f) => f.stop())),
  }
}

/** Sends `signal` and returns how the process ended and how long it took. */
async function stopWith(victim: TestValidator, signal: NodeJS.Signals) {
  const sentAt = Date.now()
  victim.kill(signal)
  const status = await victim.exit(STOP_WITHIN_MS * 3)
  return { status, elapsedMs: Date.now() - sentAt }
}

async function expectNothingListening(victim: TestValidator): Promise<void> {
  for (const port of [victim.ports.p2p, victim.ports.grpc, victim.ports.metrics]) {
    expect(await probePort(port)).toBe('refused')
  }
}

describe('stopping a validator under load', () => {
  it.each([
    'SIGTERM',
    'SIGINT',
  ] as const)('%s: exit 0 within 5 s, every stream ended, nothing left listening', async (signal) => {
    const victim = suite.cluster.validators[0]!
    if (!victim.running) await victim.start()
    await waitForFullMesh(suite.cluster.validators)
    const loaded = await load(victim)

    const { status, elapsedMs } = await stopWith(victim, signal)
    await loaded.stop()

    expect(status).toEqual({ code: 0, signal: null })
    expect(elapsedMs).toBeLessThanOrEqual(STOP_WITHIN_MS)
    await expectNothingListening(victim)
    // Streams end (cleanly or with an error), they do not hang.
    for (const stream of loaded.streams) {
      await eventually('the stream to end', () => (stream.ended ? true : undefined), {
        timeoutMs: 5000,
      })
    }
    const logs = victim.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal }))
    expect(logs.at(-1)).toMatchObject({ msg: 'node stopped' })
    expect(victim.stderr).toBe('')
  }, 90_000)

  it('the others see it OFFLINE and keep serving', async () => {
    const victim = suite.cluster.validators[0]!
    const clients = suite.clients[1]!
    await eventually('validator 1 to see validator 0 OFFLINE', async () => {
      const res = await clients.listPeers()
      const peer = res.peers.find((p) => p.validator === victim.identity)
      return peer?.state === PeerState.PEER_STATE_OFFLINE ? peer : undefined
    })
  })
})
