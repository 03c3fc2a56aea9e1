// State sync through the network on a 4-validator devnet: three validators
// gossip blocks while the fourth is down; then it starts late, catches up on
// start from a peer (each block checked against the registry) and serves all
// of them to the others.
import { credentials, type ServiceError, status } from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { BlockProposal } from '@paraloom/codec'
import { stateSyncProtocol } from '@paraloom/p2p'
import { QueryClient, type QueryStateSyncResponse, Topic } from '@paraloom/proto'
import { eventually } from '@paraloom/test-utils'
import { blockBytes, signedBlock } from './helpers/blocks.js'
import type { TestValidator } from './helpers/cluster.js'
import { useCluster } from './helpers/cluster-suite.js'
import { publishWhenMeshed, unary } from './helpers/grpc.js'
import { parseExposition, sampleValue } from './helpers/prometheus.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(90_000)

const LATE = 3
const BATCH = 4
const suite = useCluster({
  size: 4,
  deferred: [LATE],
  sync: (i): Record<string, number | boolean> =>
    i === LATE ? { catch_up_on_start: true, catch_up_batch: BATCH } : {},
})
let validators: TestValidator[]
let late: TestValidator
const queryClients: QueryClient[] = []
/** Every block published, by height. */
const published = new Map<bigint, Uint8Array>()

function stateSync(
  via: TestValidator,
  peer: string,
  fromHeight: bigint,
  maxBlocks: number,
): Promise<QueryStateSyncResponse> {
  const client = new QueryClient(via.grpcAddress, credentials.createInsecure())
  queryClients.push(client)
  return unary(client.stateSync.bind(client), { peer, fromHeight, maxBlocks, timeoutMs: 0 }, 20_000)
}

/** Blocks `from..to`, each proposed (signed and published) by one of the three running validators. */
async function publishBlocks(from: number, to: number): Promise<void> {
  for (let h = from; h <= to; h++) {
    const proposer = validators[h % 3]!
    const bytes = blockBytes(signedBlock(proposer.keypair, { height: BigInt(h), txBytes: 64 }))
    await publishWhenMeshed(suite.clients[proposer.index]!.gossip, Topic.TOPIC_BLOCKS, bytes)
    published.set(BigInt(h), bytes)
  }
}

/** Waits until `v` serves the published blocks from height 1 (asked through another validator). */
async function untilServes(v: TestValidator, via: TestValidator, heights: number): Promise<void> {
  await eventually(
    `validator ${v.index} to serve ${heights} blocks`,
    async () => {
      const res = await stateSync(via, v.identity, 1n, 1000)
      if (res.blocks.length === heights) return true
      throw new Error(`it serves heights ${res.blocks.map((b) => b.height).join(',')}`)
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  )
}

/**
 * Gossip reaches only the peers a publisher knows to be subscribed, which
 * they learn a little after connecting: each running validator publishes
 * height-0 blocks (a new round each try) until every other one serves one.
 * The blocks under test start at height 1.
 */
async function warmUp(running: TestValidator[]): Promise<void> {
  let round = 0
  for (const proposer of running) {
    const others = running.filter((v) => v !== proposer)
    await eventually(
      `blocks of validator ${proposer.index} to reach the others`,
      async () => {
        const block = signedBlock(proposer.keypair, { height: 0n, round: round++ })
        await publishWhenMeshed(
          suite.clients[proposer.index]!.gossip,
          Topic.TOPIC_BLOCKS,
          blockBytes(block),
        )
        for (const v of others) {
          const res = await stateSync(proposer, v.identity, 0n, 1000)
          if (!res.blocks.some((b) => b.height === 0n && b.proposer === proposer.identity)) {
            return undefined
          }
        }
        return true
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    )
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

beforeAll(() => {
  validators = suite.cluster.validators
  late = validators[LATE]!
})

afterAll(() => {
  for (const c of queryClients) c.close()
})

describe('a validator that starts late catches up through the network', () => {
  it('the running validators store what they gossip and their own proposals', async () => {
    await warmUp(validators.slice(0, 3))
    await publishBlocks(1, 9)
    for (const v of validators.slice(0, 3)) await untilServes(v, validators[(v.index + 1) % 3]!, 9)
  })

  it('starts late and catches up on start with every block it missed, checked block by block', async () => {
    await publishBlocks(10, 15)
    await untilServes(validators[0]!, validators[1]!, 15)
    await late.start()
    const line = await late.waitForLine(/"msg":"state sync: caught up"/, 60_000)
    const caughtUp = JSON.parse(line) as Record<string, unknown>
    // From height 0 (it kept nothing), up to the peer's tip, all of it checked and complete.
    expect(caughtUp).toMatchObject({
      firstHeight: '0',
      lastHeight: '15',
      peerTip: '15',
      complete: true,
    })
    expect(caughtUp.requests as number).toBeGreaterThanOrEqual(Math.ceil(15 / BATCH))
  })

  it('serves every block, byte for byte, to the other validators', async () => {
    const res = await stateSync(validators[0]!, late.identity, 1n, 1000)
    expect(res.tipHeight).toBe(15n)
    expect(res.peerId).toBe(late.peerId)
    expect(res.blocks.map((b) => b.height)).toEqual([...published.keys()])
    expect(res.blocks.map((b) => hex(b.proposal))).toEqual([...published.values()].map(hex))
    // The decoded fields agree with the bincode.
    for (const b of res.blocks) {
      const block = BlockProposal.decode(b.proposal)
      expect(b.proposer).toBe(validators[Number(b.height) % 3]!.identity)
      expect(b.timestampMs).toBe(block.header.timestampMs)
      expect(b.transactions).toBe(1)
    }
  })

  it('fetched them through the network: its outbound sync requests are counted', async () => {
    const res = await fetch(late.metricsUrl, { signal: AbortSignal.timeout(5000) })
    const metrics = parseExposition(await res.text())
    const ok = sampleValue(metrics, 'paraloom_requests_total', {
      protocol: stateSyncProtocol('devnet'),
      direction: 'outbound',
      outcome: 'ok',
    })
    expect(ok).toBeGreaterThanOrEqual(Math.ceil(15 / BATCH))
  })
})

describe('Query.StateSync', () => {
  it('answers max_blocks and from_height, and the tip height', async () => {
    const res = await stateSync(validators[1]!, validators[0]!.identity, 5n, 3)
    expect(res.blocks.map((b) => b.height)).toEqual([5n, 6n, 7n])
    expect(res.tipHeight).toBe(15n)
    const past = await stateSync(validators[1]!, validators[0]!.identity, 16n, 3)
    expect(past).toMatchObject({ tipHeight: 15n, blocks: [] })
  })

  it('max_blocks 0 is INVALID_ARGUMENT', async () => {
    const err = (await stateSync(validators[1]!, validators[0]!.identity, 0n, 0).catch(
      (e: unknown) => e,
    )) as ServiceError
    expect(err.code).toBe(status.INVALID_ARGUMENT)
  })
})
