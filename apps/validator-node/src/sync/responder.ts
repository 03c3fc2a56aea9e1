/**
 * Answers a StateSyncRequest from the block store: blocks from the asked
 * height up, as many as the request asks and the 4 MiB response cap holds
 * (fewer when they do not fit), and the store's tip height.
 */
import { BlockProposal, type StateSyncRequest, StateSyncResponse } from '@paraloom/codec'
import { type BlockStore, SYNC_RESPONSE_OVERHEAD_BYTES } from './block-store.js'

export function answerStateSync(
  store: BlockStore,
  request: StateSyncRequest,
  responseMaxBytes = StateSyncResponse.maxBytes,
): StateSyncResponse {
  const blocks = store.range(
    request.fromHeight,
    request.maxBlocks,
    responseMaxBytes - SYNC_RESPONSE_OVERHEAD_BYTES,
  )
  const tip = store.tipHeight()
  return {
    tipHeight: tip < 0n ? 0n : tip,
    // Stored blocks were checked when they came in; decoding them again is bounded by the cap.
    blocks: blocks.map((b) => BlockProposal.decode(b.bytes)),
  }
}
