import { describe, expect, it } from '@jest/globals'
import type { BlockProposal, StateSyncRequest, StateSyncResponse } from '@paraloom/codec'
import { RequestError } from '@paraloom/p2p'
import { generateKeypair } from '../../src/keypair.js'
import { BlockStore } from '../../src/sync/block-store.js'
import { type CatchUpInit, catchUp } from '../../src/sync/catch-up.js'
import { blockChecker } from '../../src/sync/check.js'
import { RequestPacer } from '../../src/sync/request-pacer.js'
import { answerStateSync } from '../../src/sync/responder.js'
import { signedBlock } from '../helpers/blocks.js'

const alice = generateKeypair()
const bob = generateKeypair()
const outsider = generateKeypair()
const validators = new Set([alice, bob].map((k) => Buffer.from(k.publicKey).toString('hex')))
const isActive = (key: Uint8Array) => validators.has(Buffer.from(key).toString('hex'))
const limits = { maxBlocks: 10_000, maxBytes: 64 * 1024 * 1024 }

/** A peer answering from its own store; records the requests it got. */
function peerWith(blocks: BlockProposal[]) {
  const store = new BlockStore(limits)
  for (const b of blocks) store.add(b)
  const requests: StateSyncRequest[] = []
  return {
    requests,
    request: async (r: StateSyncRequest): Promise<StateSyncResponse> => {
      requests.push(r)
      return answerStateSync(store, r)
    },
  }
}

function run(request: CatchUpInit['request'], fromHeight = 0n, batchBlocks = 4) {
  const mine = new BlockStore(limits)
  const result = catchUp({
    request,
    network: 'Devnet',
    fromHeight,
    batchBlocks,
    check: blockChecker('Devnet', isActive),
    keep: (b) => mine.add(b) !== undefined,
  })
  return { mine, result }
}

const chain = (n: number) =>
  Array.from({ length: n }, (_, i) => signedBlock(i % 2 ? bob : alice, { height: BigInt(i + 1) }))

describe('catchUp', () => {
  it('fetches every block up to the peer tip in batches and keeps each', async () => {
    const peer = peerWith(chain(10))
    const { mine, result } = run(peer.request, 1n)
    await expect(result).resolves.toMatchObject({
      kept: 10,
      firstHeight: 1n,
      lastHeight: 10n,
      peerTip: 10n,
      complete: true,
    })
    expect(mine.all().map((b) => b.height)).toEqual(chain(10).map((b) => b.header.height))
    // Each next request starts at the last height received: an answer cut by
    // size may have left rounds of that height behind.
    expect(peer.requests.map((r) => [r.fromHeight, r.maxBlocks])).toEqual([
      [1n, 4],
      [4n, 4],
      [7n, 4],
    ])
  })

  it('starts where it is told: blocks below from_height are not asked for', async () => {
    const peer = peerWith(chain(10))
    const { mine, result } = run(peer.request, 7n)
    await expect(result).resolves.toMatchObject({ kept: 4, complete: true })
    expect(mine.all().map((b) => b.height)).toEqual([7n, 8n, 9n, 10n])
  })

  it('ends at once when the peer has nothing newer', async () => {
    const peer = peerWith([])
    await expect(run(peer.request, 5n).result).resolves.toMatchObject({
      kept: 0,
      requests: 1,
      complete: true,
    })
  })

  it('asks again for a height an answer was cut inside, so no round is lost', async () => {
    const rounds = [1n, 2n, 2n, 2n, 3n].map((h, i) => signedBlock(alice, { height: h, round: i }))
    const peer = peerWith(rounds)
    // Three rounds at height 2, answers of three blocks: the first answer ends inside height 2.
    const { mine, result } = run(peer.request, 1n, 3)
    await expect(result).resolves.toMatchObject({ kept: 5, complete: true })
    expect(mine.size).toBe(5)
  })

  it.each([
    [
      'a bad signature',
      { ...signedBlock(bob, { height: 3n }), signature: new Uint8Array(64).fill(1) },
      /signature does not verify/,
    ],
    [
      'a proposer outside the registry',
      signedBlock(outsider, { height: 3n }),
      /is not an active validator/,
    ],
    [
      'another network',
      signedBlock(bob, { height: 3n, network: 'Mainnet' }),
      /network Mainnet, not Devnet/,
    ],
  ])('stops at a block with %s, keeping only the blocks checked before it', async (_name, bad, reason) => {
    const blocks = [...chain(2), bad, signedBlock(alice, { height: 4n })]
    const { mine, result } = run(async () => ({ tipHeight: 4n, blocks }), 1n)
    await expect(result).rejects.toMatchObject({ name: 'SyncError', code: 'InvalidBlock' })
    await expect(result).rejects.toThrow(reason)
    expect(mine.all().map((b) => b.height)).toEqual([1n, 2n])
  })

  it('rejects blocks below the height asked for, or out of order', async () => {
    const below = run(async () => ({ tipHeight: 9n, blocks: chain(3) }), 2n)
    await expect(below.result).rejects.toMatchObject({ code: 'OutOfOrder' })
    const [b1, b2] = chain(2)
    const shuffled = run(async () => ({ tipHeight: 9n, blocks: [b2!, b1!] }), 1n)
    await expect(shuffled.result).rejects.toMatchObject({ code: 'OutOfOrder' })
  })

  it('ends with the request error when the peer does not answer in time', async () => {
    const silent = () =>
      Promise.reject(
        new RequestError('Timeout', 'no response within 50 ms', '/paraloom/devnet/sync/1.0.0'),
      )
    await expect(run(silent, 1n).result).rejects.toMatchObject({
      name: 'RequestError',
      code: 'Timeout',
    })
  })

  it('gives up after max requests against a peer whose tip keeps moving', async () => {
    let height = 0n
    const endless = async (): Promise<StateSyncResponse> => {
      height++
      return { tipHeight: height + 1000n, blocks: [signedBlock(alice, { height })] }
    }
    const mine = new BlockStore(limits)
    const result = await catchUp({
      request: endless,
      network: 'Devnet',
      fromHeight: 1n,
      batchBlocks: 1,
      check: blockChecker('Devnet', isActive),
      keep: (b) => mine.add(b) !== undefined,
      maxRequests: 5,
    })
    expect(result).toMatchObject({ requests: 5, kept: 5, complete: false })
  })

  it('spaces its requests with the pacer, so a peer with the default limits never refuses one', async () => {
    const peer = peerWith(chain(12))
    let now = 0
    const sleeps: number[] = []
    const pacer = new RequestPacer({
      burst: 2,
      ratePerSecond: 10,
      clock: () => now,
      sleep: async (ms) => {
        sleeps.push(ms)
        now += ms
      },
    })
    const mine = new BlockStore(limits)
    const result = await catchUp({
      request: peer.request,
      network: 'Devnet',
      fromHeight: 1n,
      batchBlocks: 1,
      check: blockChecker('Devnet', isActive),
      keep: (b) => mine.add(b) !== undefined,
      pacer,
    })
    expect(result).toMatchObject({ kept: 12, complete: true })
    // 12 requests: 2 at once, each of the other 10 after 100 ms.
    expect(sleeps).toEqual(Array(10).fill(100))
  })
})
