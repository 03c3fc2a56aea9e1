import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { generateKeypair } from '../../src/keypair.js'
import { BLOCK_LOG_FILE, BlockLog } from '../../src/sync/block-log.js'
import { BlockStore, type BlockStoreLimits } from '../../src/sync/block-store.js'
import { blockBytes, signedBlock } from '../helpers/blocks.js'

const alice = generateKeypair()
const limits: BlockStoreLimits = { maxBlocks: 100, maxBytes: 2 * 1024 * 1024 }
let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'paraloom-block-log-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Writes blocks 1..n through a log, as a running node would, and closes it. */
function writeBlocks(n: number, txBytes?: number, l = limits): BlockStore {
  const store = new BlockStore(l)
  const log = BlockLog.inStateDir(dir, l)
  log.open(store)
  for (let h = 1; h <= n; h++) {
    const block = signedBlock(alice, { height: BigInt(h), txBytes })
    const entry = store.add(block, blockBytes(block))
    if (entry) log.append(entry.bytes, store)
  }
  log.close()
  return store
}

function reopen(l = limits): { store: BlockStore; report: ReturnType<BlockLog['open']> } {
  const store = new BlockStore(l)
  const log = BlockLog.inStateDir(dir, l)
  const report = log.open(store)
  log.close()
  return { store, report }
}

const heightsOf = (store: BlockStore) => store.all().map((b) => b.height)

describe('BlockLog', () => {
  it('starts empty without a file', () => {
    expect(reopen().report).toEqual({ loaded: 0 })
  })

  it('keeps the blocks across a restart, byte for byte', () => {
    const before = writeBlocks(5)
    const { store, report } = reopen()
    expect(report).toEqual({ loaded: 5 })
    expect(store.all().map((b) => Buffer.from(b.bytes).toString('hex'))).toEqual(
      before.all().map((b) => Buffer.from(b.bytes).toString('hex')),
    )
  })

  it('drops a tail cut short mid-record (a crash mid-write) and keeps the rest', async () => {
    writeBlocks(3)
    const path = join(dir, BLOCK_LOG_FILE)
    const full = await readFile(path)
    await writeFile(path, full.subarray(0, full.length - 10))
    const { store, report } = reopen()
    expect(report.loaded).toBe(2)
    expect(report.problem).toMatch(/record at byte \d+ declares/)
    expect(heightsOf(store)).toEqual([1n, 2n])
    // The bad tail is gone from the file: the next open is clean.
    expect(reopen().report).toEqual({ loaded: 2 })
  })

  it('drops a tail shorter than a length prefix', async () => {
    writeBlocks(2)
    await appendFile(join(dir, BLOCK_LOG_FILE), Buffer.from([1, 0]))
    expect(reopen().report).toMatchObject({
      loaded: 2,
      problem: expect.stringMatching(/cut short/),
    })
  })

  it('stops at a record that does not decode', async () => {
    writeBlocks(2)
    const garbage = Buffer.alloc(4 + 50, 0xff)
    garbage.writeUInt32LE(50)
    await appendFile(join(dir, BLOCK_LOG_FILE), garbage)
    const { report } = reopen()
    expect(report.loaded).toBe(2)
    expect(report.problem).toMatch(/record at byte \d+: /)
  })

  it('rejects a declared length over the block cap from the prefix alone', async () => {
    const huge = Buffer.alloc(4)
    huge.writeUInt32LE(0xffffffff)
    await writeFile(join(dir, BLOCK_LOG_FILE), huge)
    expect(reopen().report).toMatchObject({
      loaded: 0,
      problem: expect.stringMatching(/declares 4294967295/),
    })
  })

  it('ignores a file larger than the caps allow without reading it', async () => {
    const small = { maxBlocks: 10, maxBytes: 1024 * 1024 }
    await writeFile(
      join(dir, BLOCK_LOG_FILE),
      Buffer.alloc(2 * small.maxBytes + 2 * 1024 * 1024 + 1),
    )
    expect(reopen(small).report).toMatchObject({
      loaded: 0,
      problem: expect.stringMatching(/larger than/),
    })
  })

  it('applies the caps on load', () => {
    writeBlocks(10)
    const { store } = reopen({ maxBlocks: 4, maxBytes: limits.maxBytes })
    expect(heightsOf(store)).toEqual([7n, 8n, 9n, 10n])
  })

  it('stays under twice the byte cap however many blocks pass through', async () => {
    const small = { maxBlocks: 1000, maxBytes: 1024 * 1024 }
    const store = writeBlocks(200, 20 * 1024, small)
    const size = (await stat(join(dir, BLOCK_LOG_FILE))).size
    expect(size).toBeLessThanOrEqual(2 * small.maxBytes)
    expect(heightsOf(reopen(small).store)).toEqual(heightsOf(store))
  })
})
