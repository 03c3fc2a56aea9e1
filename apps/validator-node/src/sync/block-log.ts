/**
 * Keeps a BlockStore across restarts: an append-only file in the state
 * directory, one record per block (u32 little-endian length, then the
 * BlockProposal bincode). Loading stops at the first record that is cut
 * short or does not decode (a crash mid-write) and rewrites the file
 * without it; the file is rewritten from the store whenever it grows past
 * twice the store's byte cap, so it stays bounded.
 */
import { closeSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { BlockProposal } from '@paraloom/codec'
import { GOSSIP_MAX_BYTES } from '@paraloom/p2p'
import type { BlockStore, BlockStoreLimits } from './block-store.js'

export const BLOCK_LOG_FILE = 'blocks.log'
const LENGTH_BYTES = 4

export interface LoadReport {
  loaded: number
  /** Set when the file ended in a bad record (it was dropped). */
  problem?: string
}

export class BlockLog {
  private fd: number | undefined
  private fileBytes = 0

  constructor(
    private readonly path: string,
    private readonly limits: BlockStoreLimits,
  ) {}

  static inStateDir(stateDir: string, limits: BlockStoreLimits): BlockLog {
    return new BlockLog(join(stateDir, BLOCK_LOG_FILE), limits)
  }

  /** Fills `store` from the file (if any) and opens it for appends. */
  open(store: BlockStore): LoadReport {
    const report = this.load(store)
    // Rewrite: drops a bad tail and whatever the caps evicted while loading.
    this.rewrite(store)
    return report
  }

  /** Appends one block; compacts when the file passes twice the byte cap. */
  append(bytes: Uint8Array, store: BlockStore): void {
    if (this.fd === undefined) return
    this.fileBytes += writeRecord(this.fd, bytes)
    if (this.fileBytes > 2 * this.limits.maxBytes) this.rewrite(store)
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd)
    this.fd = undefined
  }

  private load(store: BlockStore): LoadReport {
    let data: Buffer
    try {
      // Bounded by the compaction rule, plus one record appended past it.
      if (statSync(this.path).size > 2 * this.limits.maxBytes + 2 * GOSSIP_MAX_BYTES.blocks) {
        return { loaded: 0, problem: `${this.path} is larger than the [sync] caps allow; ignored` }
      }
      data = readFileSync(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { loaded: 0 }
      throw err
    }
    let offset = 0
    let loaded = 0
    while (offset < data.length) {
      if (data.length - offset < LENGTH_BYTES) {
        return { loaded, problem: `record at byte ${offset} is cut short` }
      }
      const length = data.readUInt32LE(offset)
      const end = offset + LENGTH_BYTES + length
      if (length > GOSSIP_MAX_BYTES.blocks || end > data.length) {
        return { loaded, problem: `record at byte ${offset} declares ${length} bytes` }
      }
      const bytes = new Uint8Array(data.subarray(offset + LENGTH_BYTES, end))
      try {
        store.add(BlockProposal.decode(bytes, { maxBytes: GOSSIP_MAX_BYTES.blocks }), bytes)
      } catch (err) {
        return { loaded, problem: `record at byte ${offset}: ${(err as Error).message}` }
      }
      loaded++
      offset = end
    }
    return { loaded }
  }

  private rewrite(store: BlockStore): void {
    this.close()
    const tmp = `${this.path}.tmp`
    const fd = openSync(tmp, 'w')
    let bytes = 0
    try {
      for (const block of store.all()) bytes += writeRecord(fd, block.bytes)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, this.path)
    this.fd = openSync(this.path, 'a')
    this.fileBytes = bytes
  }
}

/** Writes one record; returns its size in bytes. */
function writeRecord(fd: number, bytes: Uint8Array): number {
  const header = Buffer.alloc(LENGTH_BYTES)
  header.writeUInt32LE(bytes.length)
  writeSync(fd, header)
  writeSync(fd, bytes)
  return LENGTH_BYTES + bytes.length
}
