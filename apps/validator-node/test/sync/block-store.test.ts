import { describe, expect, it } from '@jest/globals'
import { BlockProposal, StateSyncResponse } from '@paraloom/codec'
import { generateKeypair } from '../../src/keypair.js'
import { BlockStore } from '../../src/sync/block-store.js'
import { answerStateSync } from '../../src/sync/responder.js'
import { blockBytes, signedBlock } from '../helpers/blocks.js'

const alice = generateKeypair()
const bob = generateKeypair()
const big = { maxBlocks: 1000, maxBytes: 64 * 1024 * 1024 }
const heights = (store: BlockStore, from = 0n) =>
  store.range(from, 1000, Number.MAX_SAFE_INTEGER).map((b) => [b.height, b.round])

describe('BlockStore', () => {
  it('keeps blocks in (height, round) order whatever the arrival order, and its tip', () => {
    const store = new BlockStore(big)
    expect(store.tipHeight()).toBe(-1n)
    for (const [h, r] of [
      [5n, 0],
      [2n, 1],
      [9n, 0],
      [2n, 0],
    ] as const) {
      store.add(signedBlock(alice, { height: h, round: r }))
    }
    expect(heights(store)).toEqual([
      [2n, 0],
      [2n, 1],
      [5n, 0],
      [9n, 0],
    ])
    expect(store.tipHeight()).toBe(9n)
  })

  it('stores a block once, but two proposers at one height and round both', () => {
    const store = new BlockStore(big)
    const block = signedBlock(alice, { height: 3n })
    expect(store.add(block)).toBeDefined()
    expect(store.add(block)).toBeUndefined()
    expect(store.add(signedBlock(bob, { height: 3n }))).toBeDefined()
    expect(store.size).toBe(2)
  })

  it('evicts the lowest heights past max_blocks', () => {
    const store = new BlockStore({ maxBlocks: 3, maxBytes: big.maxBytes })
    for (let h = 1n; h <= 5n; h++) store.add(signedBlock(alice, { height: h }))
    expect(heights(store).map(([h]) => h)).toEqual([3n, 4n, 5n])
    // A block below everything kept in a full store is evicted at once.
    expect(store.add(signedBlock(alice, { height: 1n }))).toBeUndefined()
    expect(store.size).toBe(3)
  })

  it('evicts the lowest heights past max_bytes, and counts bytes exactly', () => {
    const one = blockBytes(signedBlock(alice, { height: 1n, txBytes: 1000 })).length
    const store = new BlockStore({ maxBlocks: 1000, maxBytes: 2 * one })
    for (let h = 1n; h <= 3n; h++) store.add(signedBlock(alice, { height: h, txBytes: 1000 }))
    expect(heights(store).map(([h]) => h)).toEqual([2n, 3n])
    expect(store.bytes).toBe(2 * one)
  })

  it('refuses a block larger than the whole byte cap', () => {
    const store = new BlockStore({ maxBlocks: 10, maxBytes: 100 })
    expect(store.add(signedBlock(alice, { height: 1n, txBytes: 200 }))).toBeUndefined()
    expect(store.size).toBe(0)
  })

  it('range: from a height, at most max blocks, and a prefix that fits the bytes', () => {
    const store = new BlockStore(big)
    for (let h = 1n; h <= 10n; h++) store.add(signedBlock(alice, { height: h, txBytes: 100 }))
    const size = store.all()[0]!.bytes.length
    expect(store.range(4n, 3, Number.MAX_SAFE_INTEGER).map((b) => b.height)).toEqual([4n, 5n, 6n])
    expect(store.range(4n, 100, 2 * size).map((b) => b.height)).toEqual([4n, 5n])
    expect(store.range(4n, 100, 2 * size - 1).map((b) => b.height)).toEqual([4n])
    expect(store.range(11n, 100, Number.MAX_SAFE_INTEGER)).toEqual([])
  })
})

describe('answerStateSync', () => {
  const request = (fromHeight: bigint, maxBlocks: number) =>
    ({ network: 'Devnet', fromHeight, maxBlocks }) as const

  it('answers the blocks asked for and the tip height', () => {
    const store = new BlockStore(big)
    for (let h = 1n; h <= 5n; h++) store.add(signedBlock(alice, { height: h }))
    const res = answerStateSync(store, request(2n, 2))
    expect(res.tipHeight).toBe(5n)
    expect(res.blocks.map((b) => b.header.height)).toEqual([2n, 3n])
    expect(res.blocks[0]).toEqual(BlockProposal.decode(store.all()[1]!.bytes))
  })

  it('answers tip 0 and no blocks from an empty store', () => {
    expect(answerStateSync(new BlockStore(big), request(0n, 10))).toEqual({
      tipHeight: 0n,
      blocks: [],
    })
  })

  it('sends fewer blocks when they do not fit the 4 MiB response cap, and stays under it', () => {
    const store = new BlockStore(big)
    // Blocks of exactly 1 MiB (the gossip cap): four do not fit in 4 MiB with their framing.
    for (let h = 1n; h <= 6n; h++)
      store.add(signedBlock(alice, { height: h, txBytes: 1024 * 1024 - 232 }))
    expect(store.all()[0]!.bytes.length).toBe(1024 * 1024)
    const res = answerStateSync(store, request(1n, 6))
    expect(res.blocks.length).toBe(3)
    const size = 16 + res.blocks.reduce((n, b) => n + BlockProposal.encode(b).length, 0)
    expect(size).toBeLessThanOrEqual(StateSyncResponse.maxBytes)
  })

  it('fits exactly at the cap, and one byte less sends one block fewer', () => {
    const store = new BlockStore(big)
    for (let h = 1n; h <= 3n; h++) store.add(signedBlock(alice, { height: h, txBytes: 500 }))
    const one = store.all()[0]!.bytes.length
    expect(answerStateSync(store, request(1n, 3), 16 + 3 * one).blocks).toHaveLength(3)
    expect(answerStateSync(store, request(1n, 3), 16 + 3 * one - 1).blocks).toHaveLength(2)
  })
})
