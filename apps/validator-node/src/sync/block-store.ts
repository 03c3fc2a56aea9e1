/**
 * The blocks this node accepted (through gossip, its own proposals, or a
 * checked catch-up), kept in height order under caps on count and bytes,
 * so it can answer StateSyncRequest. When a cap is passed the lowest
 * heights go first: a peer catching up wants the recent past.
 */
import { BlockProposal } from '@paraloom/codec'

export interface BlockStoreLimits {
  /** Blocks kept at most. */
  maxBlocks: number
  /** Sum of the blocks' bincode sizes kept at most, in bytes. */
  maxBytes: number
}

/** One stored block: its bincode and the fields the store orders by. */
export interface StoredBlock {
  height: bigint
  round: number
  /** The proposer's key in hex: tells apart proposals at one height and round. */
  proposer: string
  bytes: Uint8Array
}

/** StateSyncResponse framing around its blocks: tip_height (u64) and the Vec count (u64). */
export const SYNC_RESPONSE_OVERHEAD_BYTES = 16

const compare = (a: StoredBlock, b: StoredBlock): number =>
  a.height !== b.height
    ? a.height < b.height
      ? -1
      : 1
    : a.round !== b.round
      ? a.round - b.round
      : a.proposer < b.proposer
        ? -1
        : a.proposer > b.proposer
          ? 1
          : 0

export class BlockStore {
  /** Sorted by (height, round, proposer); appends are the common case. */
  private readonly blocks: StoredBlock[] = []
  private totalBytes = 0

  constructor(private readonly limits: BlockStoreLimits) {}

  get size(): number {
    return this.blocks.length
  }

  get bytes(): number {
    return this.totalBytes
  }

  /** The highest height stored, or -1n when empty. */
  tipHeight(): bigint {
    return this.blocks.at(-1)?.height ?? -1n
  }

  /**
   * Stores `block` (its bincode: `bytes`, or encoded here) and returns the
   * entry; undefined for a block already stored at that (height, round,
   * proposer), or one the caps evict at once.
   */
  add(
    block: BlockProposal,
    bytes: Uint8Array = BlockProposal.encode(block),
  ): StoredBlock | undefined {
    if (bytes.length > this.limits.maxBytes) return undefined
    const entry: StoredBlock = {
      height: block.header.height,
      round: block.header.round,
      proposer: Buffer.from(block.header.proposer).toString('hex'),
      bytes,
    }
    const at = this.firstIndex((b) => compare(b, entry) < 0)
    const existing = this.blocks[at]
    if (existing !== undefined && compare(existing, entry) === 0) return undefined
    this.blocks.splice(at, 0, entry)
    this.totalBytes += bytes.length
    // Evicted at once only when it is the lowest block of a full store.
    return this.evict() > at ? undefined : entry
  }

  /**
   * Blocks from `fromHeight` up, in order: at most `maxBlocks` of them and
   * at most `maxBytes` of bincode in all (a block that would pass it ends
   * the list, so the answer is always a prefix).
   */
  range(fromHeight: bigint, maxBlocks: number, maxBytes: number): StoredBlock[] {
    const out: StoredBlock[] = []
    let bytes = 0
    for (let i = this.firstIndex((b) => b.height < fromHeight); i < this.blocks.length; i++) {
      const block = this.blocks[i]!
      if (out.length >= maxBlocks || bytes + block.bytes.length > maxBytes) break
      out.push(block)
      bytes += block.bytes.length
    }
    return out
  }

  /** Every stored block in order (for persistence). */
  all(): readonly StoredBlock[] {
    return this.blocks
  }

  /** Drops the lowest blocks until the caps hold; returns how many. */
  private evict(): number {
    let drop = 0
    let dropped = 0
    while (
      this.blocks.length - drop > this.limits.maxBlocks ||
      this.totalBytes - dropped > this.limits.maxBytes
    ) {
      dropped += this.blocks[drop]!.bytes.length
      drop++
    }
    if (drop > 0) {
      this.blocks.splice(0, drop)
      this.totalBytes -= dropped
    }
    return drop
  }

  /** The first index whose block is not `before` the sought one (blocks are sorted). */
  private firstIndex(before: (block: StoredBlock) => boolean): number {
    let lo = 0
    let hi = this.blocks.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (before(this.blocks[mid]!)) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
