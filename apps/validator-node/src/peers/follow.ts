/**
 * Follows one node's WatchPeers stream for as long as asked, across
 * disconnects and node restarts: after a drop it reconnects with capped
 * exponential backoff and resumes after the last sequence it saw, in the
 * incarnation it saw it in. The node answers a resume it cannot serve with a
 * HistoryGap and a fresh snapshot, so nothing is missed silently.
 */
import { type ClientReadableStream, credentials, type ServiceError } from '@grpc/grpc-js'
import { backoffDelayMs, sleep } from '@paraloom/interface'
import { type PeerEvent, PeerMonitorClient, type WatchPeersRequest } from '@paraloom/proto'

export interface FollowInit {
  /** HOST:PORT of the node's gRPC server. */
  address: string
  onEvent(event: PeerEvent): void
  /** The stream came up (resuming or not) or went down (why, and when the next try is). */
  onStatus(status: FollowStatus): void
  /** Stops following; the promise of {@link followPeers} then resolves. */
  signal: AbortSignal
  /** How long one connection attempt may take, in ms. @default 5000 */
  connectTimeoutMs?: number
  /** First reconnect delay, in ms; doubles per failure. @default 500 */
  initialBackoffMs?: number
  /** Longest reconnect delay, in ms. @default 10000 */
  maxBackoffMs?: number
}

export type FollowStatus =
  | { connected: true; resumeAfter: bigint | undefined }
  | { connected: false; error: string; retryInMs: number }

/** Where a resumed stream picks up: the last sequence seen, and its incarnation. */
interface Cursor {
  incarnation: string
  lastSequence: bigint
}

export async function followPeers(init: FollowInit): Promise<void> {
  const { signal } = init
  const connectTimeoutMs = init.connectTimeoutMs ?? 5000
  const initialBackoffMs = init.initialBackoffMs ?? 500
  const maxBackoffMs = init.maxBackoffMs ?? 10_000
  let cursor: Cursor | undefined
  let failures = 0
  while (!signal.aborted) {
    const error = await streamOnce(
      init.address,
      connectTimeoutMs,
      cursor,
      signal,
      (event) => {
        failures = 0
        cursor = advance(cursor, event)
        init.onEvent(event)
      },
      init.onStatus,
    )
    if (signal.aborted) return
    const retryInMs = backoffDelayMs(failures, { initialMs: initialBackoffMs, maxMs: maxBackoffMs })
    failures++
    init.onStatus({ connected: false, error, retryInMs })
    await sleep(retryInMs, signal) // an abort ends the wait
  }
}

/** The cursor after `event`: a snapshot starts a run, a transition moves it. */
function advance(cursor: Cursor | undefined, event: PeerEvent): Cursor | undefined {
  const incarnation = event.observer?.incarnation ?? cursor?.incarnation ?? ''
  const e = event.event
  if (e?.$case === 'snapshot') return { incarnation, lastSequence: e.value.lastSequence }
  if (e?.$case === 'transition') return { incarnation, lastSequence: e.value.sequence }
  return cursor
}

/** One connection and stream; resolves with why it ended (or '' when aborted). */
function streamOnce(
  address: string,
  connectTimeoutMs: number,
  cursor: Cursor | undefined,
  signal: AbortSignal,
  onEvent: (event: PeerEvent) => void,
  onStatus: FollowInit['onStatus'],
): Promise<string> {
  return new Promise((resolve) => {
    const client = new PeerMonitorClient(address, credentials.createInsecure())
    let call: ClientReadableStream<PeerEvent> | undefined
    const finish = (why: string): void => {
      signal.removeEventListener('abort', onAbort)
      call?.removeAllListeners()
      call?.on('error', () => {}) // the cancel below reports CANCELLED to nobody
      call?.cancel()
      client.close()
      resolve(why)
    }
    const onAbort = (): void => finish('')
    signal.addEventListener('abort', onAbort, { once: true })
    client.waitForReady(Date.now() + connectTimeoutMs, (err) => {
      if (signal.aborted) return
      if (err) {
        finish(`not reachable within ${connectTimeoutMs} ms`)
        return
      }
      const request: WatchPeersRequest =
        cursor === undefined
          ? { incarnation: '' }
          : { afterSequence: cursor.lastSequence, incarnation: cursor.incarnation }
      call = client.watchPeers(request)
      onStatus({ connected: true, resumeAfter: cursor?.lastSequence })
      call.on('data', (event: PeerEvent) => {
        try {
          onEvent(event)
        } catch (e) {
          finish(`event handler failed: ${(e as Error).message}`)
        }
      })
      call.on('error', (e: ServiceError) => finish(e.details || e.message))
      call.on('end', () => finish('the node ended the stream'))
    })
  })
}
