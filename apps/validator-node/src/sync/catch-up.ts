/**
 * Catching up from one peer: StateSyncRequests from a height on, batch by
 * batch, until the peer has nothing newer. Every block is checked before it
 * is kept; the first one that fails ends the catch-up from that peer (an
 * honest peer only serves blocks it accepted itself).
 */
import type { BlockProposal, Network, StateSyncRequest, StateSyncResponse } from '@paraloom/codec'
import { ParaloomError } from '@paraloom/interface'
import type { BlockCheck } from './check.js'
import { RequestPacer } from './request-pacer.js'

export type SyncErrorCode =
  /** A block failed its checks (network, proposer, signature). */
  | 'InvalidBlock'
  /** A block below the height asked for, or out of height order. */
  | 'OutOfOrder'

export class SyncError extends ParaloomError<{ code: SyncErrorCode }> {
  static override readonly name = 'SyncError'
  constructor(code: SyncErrorCode, message: string) {
    super({ code }, `${code}: ${message}`)
  }
}

export interface CatchUpInit {
  /** Sends one StateSyncRequest to the peer (throws the p2p RequestError). */
  request(request: StateSyncRequest): Promise<StateSyncResponse>
  network: Network
  fromHeight: bigint
  /** `max_blocks` of each request. */
  batchBlocks: number
  check: BlockCheck
  /** Keeps a checked block; false when it was already kept. */
  keep(block: BlockProposal): boolean
  /** Requests sent at most before giving up on finishing. @default 10000 */
  maxRequests?: number
  /** Spaces the requests so the peer does not refuse them. @default a {@link RequestPacer} at the peers' default rate */
  pacer?: RequestPacer
  signal?: AbortSignal
}

export interface CatchUpResult {
  requests: number
  /** Blocks kept that were not kept before. */
  kept: number
  /** Lowest and highest height received (undefined: the peer had none). */
  firstHeight?: bigint
  lastHeight?: bigint
  /** The peer's tip height in its last answer. */
  peerTip: bigint
  /** False when `maxRequests` ran out before the peer's tip. */
  complete: boolean
}

export async function catchUp(init: CatchUpInit): Promise<CatchUpResult> {
  const maxRequests = init.maxRequests ?? 10_000
  const pacer = init.pacer ?? new RequestPacer()
  const result: CatchUpResult = { requests: 0, kept: 0, peerTip: 0n, complete: false }
  let next = init.fromHeight
  while (result.requests < maxRequests) {
    init.signal?.throwIfAborted()
    await pacer.next(init.signal)
    const response = await init.request({
      network: init.network,
      fromHeight: next,
      maxBlocks: init.batchBlocks,
    })
    result.requests++
    result.peerTip = response.tipHeight
    const { blocks } = response
    if (blocks.length === 0) return { ...result, complete: true }
    let previous = next
    for (const block of blocks) {
      const { height, round } = block.header
      if (height < previous) {
        throw new SyncError('OutOfOrder', `block at height ${height} after height ${previous}`)
      }
      const reason = init.check(block)
      if (reason !== undefined) {
        throw new SyncError('InvalidBlock', `block at height ${height} round ${round}: ${reason}`)
      }
      if (init.keep(block)) result.kept++
      result.firstHeight ??= height
      result.lastHeight = height
      previous = height
    }
    const first = blocks[0]!.header.height
    const last = blocks.at(-1)!.header.height
    if (last >= response.tipHeight) return { ...result, complete: true }
    // An answer cut by size may end inside a height: ask for that height again
    // (duplicates are not kept twice). Progress holds since last > first >= next.
    // StateSyncRequest has no round cursor, so a height with more blocks than
    // one answer holds is kept only in part.
    next = last > first ? last : last + 1n
  }
  return result
}
