/**
 * Devnet traffic through the real stack: every height's messages
 * (`traffic-plan.ts`) are published through the gRPC `Publish` of the
 * validator that signed them (gossip requires signer == publishing node),
 * and every validator's `Subscribe` stream is read to count what it
 * delivers and the highest block it has seen.
 *
 * `startTraffic` takes the clients, the keypairs and a rate, so the gossip
 * benchmark drives the network with the same generator.
 *
 * Heights start on schedule whether or not the previous ones are done (a
 * height's publishes take round trips, at high rates longer than the
 * interval), up to `maxHeightsInFlight`; how late each height starts is its
 * lag, reported by `lag()`.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { ClientReadableStream } from '@grpc/grpc-js'
import { BlockProposal } from '@paraloom/codec'
import {
  GOSSIP_WIRE_TYPES,
  type GossipKind,
  type GossipValues,
  type NetworkName,
  WIRE_NETWORK,
} from '@paraloom/p2p'
import type { GossipClient, GossipMessage } from '@paraloom/proto'
import { KIND_OF_TOPIC, publish, TOPIC_OF_KIND } from 'paraloom/client'
import type { Keypair } from 'paraloom/keypair'
import { type HeightPlan, planHeight, type Signed } from './traffic-plan.js'

export interface TrafficValidator {
  name: string
  keypair: Keypair
  gossip: GossipClient
}

export interface TrafficInit {
  network: NetworkName
  /** In proposer order. */
  validators: readonly TrafficValidator[]
  /** Heights per second. @default 1 */
  blocksPerSecond?: number
  /** A compute job result every this many heights. @default 5 */
  resultEveryHeights?: number
  /** The first height published. @default 1n */
  startHeight?: bigint
  /** Deadline of one Publish, in milliseconds. @default 5000 */
  publishDeadlineMs?: number
  /** Wait before re-opening a Subscribe stream that ended, in milliseconds. @default 1000 */
  resubscribeMs?: number
  /**
   * Heights being published at once, at most; a height due while this many
   * are still out waits (and is late). @default 64
   */
  maxHeightsInFlight?: number
}

/** How late heights started against their schedule, in milliseconds. */
export interface ScheduleLag {
  /** Heights started. */
  heights: number
  /** The latest start of any height, or of the height now due if it is later. */
  maxMs: number
  /** The mean lateness over all heights. */
  meanMs: number
  /** Heights that started more than one interval late (the schedule restarts from then). */
  late: number
}

export type TopicCounts = Record<GossipKind, number>

export interface ValidatorTraffic {
  name: string
  /** Messages this validator published successfully. */
  published: TopicCounts
  /** Publish calls that failed (no peers yet, validator down, …). */
  publishErrors: TopicCounts
  /** Messages its Subscribe stream delivered (other validators' messages). */
  delivered: TopicCounts
  /** Highest block height it has seen: delivered or proposed itself. */
  tipHeight: bigint
  /** The last publish or subscribe error, for the status line. */
  lastError?: string
}

export interface Traffic {
  /** A copy of every validator's counters. */
  stats(): ValidatorTraffic[]
  /** The last height whose messages, and every earlier height's, were all sent out. */
  height(): bigint
  /** How well the generator kept its schedule. */
  lag(): ScheduleLag
  /**
   * Stops starting heights, lets the started ones finish (each Publish within
   * its deadline), waits `drainMs` for deliveries, then closes every
   * Subscribe stream.
   */
  stop(options?: { drainMs?: number }): Promise<void>
}

const zeroCounts = (): TopicCounts => ({ blocks: 0, votes: 0, results: 0 })

export function startTraffic(init: TrafficInit): Traffic {
  const blocksPerSecond = init.blocksPerSecond ?? 1
  if (!(blocksPerSecond > 0)) throw new RangeError('blocksPerSecond must be above 0')
  const intervalMs = 1000 / blocksPerSecond
  const resultEveryHeights = init.resultEveryHeights ?? 5
  const publishDeadlineMs = init.publishDeadlineMs ?? 5000
  const resubscribeMs = init.resubscribeMs ?? 1000
  const maxHeightsInFlight = init.maxHeightsInFlight ?? 64
  if (!Number.isSafeInteger(maxHeightsInFlight) || maxHeightsInFlight < 1)
    throw new RangeError('maxHeightsInFlight must be a positive integer')
  const network = WIRE_NETWORK[init.network]
  const signers = init.validators.map((v) => v.keypair)
  const stats: ValidatorTraffic[] = init.validators.map((v) => ({
    name: v.name,
    published: zeroCounts(),
    publishErrors: zeroCounts(),
    delivered: zeroCounts(),
    tipHeight: 0n,
  }))
  // Publishing stops first; the Subscribe streams may stay open a little longer to drain.
  const controller = new AbortController()
  const { signal } = controller
  const subscriptions = new AbortController()
  let sentHeight = 0n
  const lag = { heights: 0, maxMs: 0, totalMs: 0, late: 0 }
  /** When the next height is due; undefined once publishing stopped. */
  let dueAt: number | undefined = Date.now()

  const send = async <K extends GossipKind>(
    kind: K,
    message: Signed<GossipValues[K]>,
  ): Promise<void> => {
    const s = stats[message.signer]!
    try {
      await publish(
        init.validators[message.signer]!.gossip,
        {
          topic: TOPIC_OF_KIND[kind],
          payload: Buffer.from(GOSSIP_WIRE_TYPES[kind].encode(message.value)),
        },
        // Not aborted by stop(): heights already started finish (each call has its deadline).
        { deadlineMs: publishDeadlineMs },
      )
      s.published[kind]++
    } catch (err) {
      s.publishErrors[kind]++
      s.lastError = `publish ${kind}: ${(err as Error).message}`
    }
  }

  const sendHeight = async (plan: HeightPlan): Promise<void> => {
    await send('blocks', plan.block)
    const proposer = stats[plan.block.signer]!
    if (plan.height > proposer.tipHeight) proposer.tipHeight = plan.height
    const half = plan.votes.length / 2
    await Promise.all(plan.votes.slice(0, half).map((v) => send('votes', v)))
    await Promise.all(plan.votes.slice(half).map((v) => send('votes', v)))
    if (plan.result !== undefined) await send('results', plan.result)
  }

  // Heights finish out of order; `sentHeight` advances over those all done before it.
  const done = new Set<bigint>()
  const finished = (height: bigint): void => {
    done.add(height)
    while (done.delete(sentHeight + 1n)) sentHeight++
  }

  const publishLoop = async (): Promise<void> => {
    let height = init.startHeight ?? 1n
    sentHeight = height - 1n
    let parentHash: Uint8Array = new Uint8Array(32)
    let next = dueAt ?? Date.now()
    const inFlight = new Set<Promise<void>>()
    while (!signal.aborted) {
      if (inFlight.size >= maxHeightsInFlight) {
        await Promise.race(inFlight)
        continue
      }
      const lateMs = Math.max(0, Date.now() - next)
      lag.heights++
      lag.totalMs += lateMs
      lag.maxMs = Math.max(lag.maxMs, lateMs)
      const plan = planHeight({ network, height, parentHash, signers, resultEveryHeights })
      const h = height
      const sending = sendHeight(plan).then(() => finished(h))
      inFlight.add(sending)
      void sending.finally(() => inFlight.delete(sending))
      parentHash = plan.blockHash
      height++
      // A height more than an interval late does not make the next ones burst:
      // the schedule restarts from now.
      if (lateMs > intervalMs) lag.late++
      next = lateMs > intervalMs ? Date.now() + intervalMs : next + intervalMs
      dueAt = next
      await delay(next - Date.now(), undefined, { signal }).catch(() => {})
    }
    dueAt = undefined
    await Promise.allSettled(inFlight)
  }

  const streams = new Set<ClientReadableStream<GossipMessage>>()
  const subscribe = (index: number): void => {
    if (subscriptions.signal.aborted) return
    const s = stats[index]!
    const stream = init.validators[index]!.gossip.subscribe({ topics: [] })
    streams.add(stream)
    stream.on('data', (message: GossipMessage) => {
      const kind = KIND_OF_TOPIC[message.topic]
      if (kind === undefined) return
      s.delivered[kind]++
      if (kind !== 'blocks') return
      try {
        const height = BlockProposal.decode(message.payload).header.height
        if (height > s.tipHeight) s.tipHeight = height
      } catch (err) {
        s.lastError = `undecodable block from ${message.fromPeerId}: ${(err as Error).message}`
      }
    })
    let ended = false
    const reopen = (why: string): void => {
      if (ended) return
      ended = true
      streams.delete(stream)
      if (subscriptions.signal.aborted) return
      s.lastError = `subscribe: ${why}`
      delay(resubscribeMs, undefined, { signal: subscriptions.signal })
        .then(() => subscribe(index))
        .catch(() => {})
    }
    stream.on('error', (err: Error) => reopen(err.message))
    stream.on('end', () => reopen('stream ended'))
  }

  for (const i of init.validators.keys()) subscribe(i)
  const loop = publishLoop()

  return {
    stats: () =>
      stats.map((s) => ({
        ...s,
        published: { ...s.published },
        publishErrors: { ...s.publishErrors },
        delivered: { ...s.delivered },
      })),
    height: () => sentHeight,
    lag: () => ({
      heights: lag.heights,
      maxMs: Math.max(lag.maxMs, dueAt === undefined ? 0 : Date.now() - dueAt),
      meanMs: lag.heights === 0 ? 0 : lag.totalMs / lag.heights,
      late: lag.late,
    }),
    async stop(options = {}) {
      controller.abort()
      await loop
      if ((options.drainMs ?? 0) > 0) await delay(options.drainMs)
      subscriptions.abort()
      for (const stream of streams) stream.cancel()
      streams.clear()
    },
  }
}
