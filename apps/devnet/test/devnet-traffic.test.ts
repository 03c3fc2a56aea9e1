// The devnet traffic generator against stub Gossip clients (no processes):
// it keeps its schedule when each height's publishes take longer than the
// interval, reports how late heights started, and stays within its bound of
// heights in flight when publishes never answer.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from '@jest/globals'
import type { GossipClient, PublishRequest } from '@paraloom/proto'
import { generateKeypair } from 'paraloom/keypair'
import { startTraffic } from '../src/traffic.js'

/** A Gossip client whose Publish answers after `answerMs` (never, if undefined). */
function stubClient(answerMs: number | undefined): {
  client: GossipClient
  calls: PublishRequest[]
  pending: () => number
  maxPending: () => number
} {
  const calls: PublishRequest[] = []
  let pending = 0
  let maxPending = 0
  const client = {
    publish(
      request: PublishRequest,
      _meta: unknown,
      opts: { deadline: Date },
      cb: (e: null, r: object) => void,
    ) {
      calls.push(request)
      pending++
      maxPending = Math.max(maxPending, pending)
      let answered = false
      const answer = (err: Error | null) => {
        if (answered) return
        answered = true
        pending--
        cb(err as null, { messageId: '', recipients: 1 })
      }
      // As grpc-js does: past its deadline a call fails.
      const timer = setTimeout(
        () => (answerMs === undefined ? answer(new Error('deadline exceeded')) : answer(null)),
        answerMs ?? opts.deadline.getTime() - Date.now(),
      )
      return {
        // As grpc-js does: a cancelled call answers with an error.
        cancel() {
          clearTimeout(timer)
          answer(new Error('cancelled'))
        },
      }
    },
    subscribe() {
      return Object.assign(new EventEmitter(), { cancel() {} })
    },
  }
  return {
    client: client as unknown as GossipClient,
    calls,
    pending: () => pending,
    maxPending: () => maxPending,
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('startTraffic', () => {
  const validators = (clients: GossipClient[]) =>
    clients.map((gossip, i) => ({ name: `v${i}`, keypair: generateKeypair(), gossip }))

  it('starts every height on schedule although each takes several intervals', async () => {
    const intervalMs = 20
    // A height is three rounds of Publish (block, half the votes, the rest): 3 × 25 ms > 20 ms.
    const stubs = [stubClient(25), stubClient(25)]
    const traffic = startTraffic({
      network: 'localnet',
      validators: validators(stubs.map((s) => s.client)),
      blocksPerSecond: 1000 / intervalMs,
    })
    const runMs = 30 * intervalMs
    await sleep(runMs)
    await traffic.stop()
    const lag = traffic.lag()
    // One height at a time, a validator has at most 2 of its Publishes out (its 2 votes
    // in a half, or nothing but a block); overlapping heights put more out at once.
    expect(Math.max(...stubs.map((s) => s.maxPending()))).toBeGreaterThan(2)
    expect(lag.heights).toBeGreaterThan(1)
    expect(lag.meanMs).toBeLessThanOrEqual(lag.maxMs)
    // Heights done are contiguous from the first; votes came from both validators.
    expect(traffic.height()).toBeGreaterThan(0n)
    expect(traffic.height()).toBeLessThanOrEqual(BigInt(lag.heights))
    const stats = traffic.stats()
    expect(stats.every((s) => s.published.votes > 0)).toBe(true)
  })

  it('holds at most maxHeightsInFlight heights when Publish never answers, and says it is late', async () => {
    const stubs = [stubClient(undefined), stubClient(undefined)]
    const traffic = startTraffic({
      network: 'localnet',
      validators: validators(stubs.map((s) => s.client)),
      blocksPerSecond: 200,
      maxHeightsInFlight: 3,
      publishDeadlineMs: 1000,
    })
    await sleep(200)
    // Each stuck height holds one Publish (its block): 3 heights, 3 calls.
    expect(stubs.reduce((n, s) => n + s.calls.length, 0)).toBe(3)
    expect(stubs.reduce((n, s) => n + s.pending(), 0)).toBe(3)
    expect(traffic.height()).toBe(0n)
    // The height due 5 ms after the third is waiting: the generator is that far behind.
    expect(traffic.lag().maxMs).toBeGreaterThan(100)
    // stop() lets the started heights finish: here, each Publish at its deadline.
    await traffic.stop()
    expect(traffic.lag().heights).toBeGreaterThanOrEqual(3)
    expect(stubs.reduce((n, s) => n + s.pending(), 0)).toBe(0)
  })

  it('refuses a bound of heights in flight that is not a positive integer', () => {
    for (const bad of [0, -1, 2.5]) {
      expect(() =>
        startTraffic({ network: 'localnet', validators: [], maxHeightsInFlight: bad }),
      ).toThrow(RangeError)
    }
  })
})
