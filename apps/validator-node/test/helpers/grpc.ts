// gRPC clients of a running validator for tests: promised unary calls with
// deadlines, and a reader that waits for stream messages with a deadline.
import {
  type CallOptions,
  type ClientReadableStream,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js'
import {
  GossipClient,
  type HistoryGap,
  type ListPeersResponse,
  type PeerEvent,
  PeerMonitorClient,
  type PeerSnapshot,
  PeerState,
  type PeerTransition,
  type PublishResponse,
  type Topic,
  type WatchPeersRequest,
} from '@paraloom/proto'
import { ChangeSignal, eventually } from '@paraloom/test-utils'
import type { TestValidator } from './cluster.js'

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, response: Res) => void,
) => ClientUnaryCall

/** Calls a unary method (bound to its client) with a deadline. */
export function unary<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  timeoutMs = 5000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
      err ? reject(err) : resolve(res),
    )
  })
}

/** Both Paraloom services of one node. `close()` releases their channels. */
export interface NodeClients {
  peerMonitor: PeerMonitorClient
  gossip: GossipClient
  listPeers(): Promise<ListPeersResponse>
  /** Opens WatchPeers; cancel the reader when done. */
  watchPeers(request?: Partial<WatchPeersRequest>): StreamReader<PeerEvent>
  close(): void
}

export function clientsOf(grpcAddress: string): NodeClients {
  const peerMonitor = new PeerMonitorClient(grpcAddress, credentials.createInsecure())
  const gossip = new GossipClient(grpcAddress, credentials.createInsecure())
  return {
    peerMonitor,
    gossip,
    listPeers: () => unary(peerMonitor.listPeers.bind(peerMonitor), {}),
    watchPeers: (request = {}) =>
      new StreamReader(peerMonitor.watchPeers({ incarnation: '', ...request })),
    close() {
      peerMonitor.close()
      gossip.close()
    },
  }
}

/** The payload of a PeerEvent of one kind, or undefined. */
export const transitionOf = (e: PeerEvent): PeerTransition | undefined =>
  e.event?.$case === 'transition' ? e.event.value : undefined
export const snapshotOf = (e: PeerEvent): PeerSnapshot | undefined =>
  e.event?.$case === 'snapshot' ? e.event.value : undefined
export const gapOf = (e: PeerEvent): HistoryGap | undefined =>
  e.event?.$case === 'gap' ? e.event.value : undefined

/** Gossip.Publish of `payload` on `topic`. */
export function publish(
  client: GossipClient,
  topic: Topic,
  payload: Uint8Array,
): Promise<PublishResponse> {
  return unary(client.publish.bind(client), { topic, payload: Buffer.from(payload) })
}

/**
 * Publish, retried while the node has no subscribed peer yet (UNAVAILABLE:
 * the gossip mesh forms a little after the connections), up to `timeoutMs`.
 */
export function publishWhenMeshed(
  client: GossipClient,
  topic: Topic,
  payload: Uint8Array,
  timeoutMs = 30_000,
): Promise<PublishResponse> {
  return eventually(
    'a publish with subscribed peers',
    async () => {
      try {
        return await publish(client, topic, payload)
      } catch (err) {
        if ((err as ServiceError).code === status.UNAVAILABLE) return undefined
        throw err
      }
    },
    { timeoutMs, intervalMs: 300 },
  )
}

/** Validators a ListPeers answer reports CONNECTED. */
export function connectedValidators(res: ListPeersResponse): string[] {
  return res.peers.filter((p) => p.state === PeerState.PEER_STATE_CONNECTED).map((p) => p.validator)
}

/** Waits until each validator's ListPeers shows every other one CONNECTED. */
export async function waitForFullMesh(
  validators: readonly TestValidator[],
  timeoutMs = 30_000,
): Promise<void> {
  await Promise.all(
    validators.map((v) => {
      const clients = clientsOf(v.grpcAddress)
      const others = validators.filter((o) => o !== v).map((o) => o.identity)
      return eventually(
        `validator ${v.index} to see ${others.length} peers CONNECTED`,
        async () => {
          const connected = connectedValidators(await clients.listPeers())
          return others.every((o) => connected.includes(o)) ? true : undefined
        },
        { timeoutMs, intervalMs: 250 },
      ).finally(() => clients.close())
    }),
  )
}

/**
 * Reads a server stream as it arrives. `next(match)` returns the next unread
 * message that matches, skipping the ones that do not, or rejects after
 * `timeoutMs` (or when the stream fails) naming what it waited for.
 */
export class StreamReader<T> {
  /** Every message received, in order. */
  readonly received: T[] = []
  /** How the stream ended, once it has. */
  error: ServiceError | undefined
  ended = false
  private cursor = 0
  private readonly changed = new ChangeSignal()

  constructor(readonly stream: ClientReadableStream<T>) {
    stream.on('data', (m: T) => {
      this.received.push(m)
      this.changed.notify()
    })
    stream.on('error', (err: ServiceError) => {
      this.error = err
      this.ended = true
      this.changed.notify()
    })
    stream.on('end', () => {
      this.ended = true
      this.changed.notify()
    })
  }

  next(what: string, match: (m: T) => boolean = () => true, timeoutMs = 20_000): Promise<T> {
    return this.changed
      .until(
        what,
        () => {
          while (this.cursor < this.received.length) {
            const m = this.received[this.cursor++] as T
            if (match(m)) return { m }
          }
          if (this.ended) {
            const why = this.error ? `failed: ${this.error.message}` : 'ended'
            throw new Error(`stream ${why} while waiting for ${what}`)
          }
          return undefined
        },
        timeoutMs,
      )
      .then(({ m }) => m)
  }

  /** Cancels the call; the CANCELLED error that follows is expected and kept in `error`. */
  cancel(): void {
    this.stream.cancel()
  }

  /** Whether the stream was cancelled by {@link cancel} (and not failed otherwise). */
  get cancelled(): boolean {
    return this.error?.code === status.CANCELLED
  }
}
