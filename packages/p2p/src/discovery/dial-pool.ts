/**
 * Dials a list of peers with at most `concurrency` dials in flight, each
 * bounded by `timeoutMs`, all stopped by `signal`. Failures are counted, not
 * thrown: a seed that is down is retried on the next refresh round.
 */
import type { PeerId } from '@libp2p/interface'
import { deadlineSignal } from '../deadline.js'

export interface DialPoolOptions {
  concurrency: number
  timeoutMs: number
  signal: AbortSignal
}

export async function dialAll(
  peers: readonly PeerId[],
  dial: (peer: PeerId, options: { signal: AbortSignal }) => Promise<unknown>,
  options: DialPoolOptions,
): Promise<{ connected: number; failed: number }> {
  let next = 0
  let connected = 0
  let failed = 0
  const worker = async (): Promise<void> => {
    while (next < peers.length && !options.signal.aborted) {
      const peer = peers[next++] as PeerId
      const deadline = deadlineSignal(options.timeoutMs, options.signal)
      try {
        await dial(peer, { signal: deadline.signal })
        connected++
      } catch {
        failed++
      } finally {
        deadline.clear()
      }
    }
  }
  const workers = Math.max(1, Math.min(options.concurrency, peers.length))
  await Promise.all(Array.from({ length: workers }, worker))
  return { connected, failed }
}
