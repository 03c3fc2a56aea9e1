/**
 * gRPC clients of one validator (PeerMonitor and Gossip on one channel) and
 * promise wrappers with a deadline on every call.
 */
import { type ChannelCredentials, credentials, Metadata } from '@grpc/grpc-js'
import {
  GossipClient,
  type ListPeersResponse,
  PeerMonitorClient,
  type PublishRequest,
  type PublishResponse,
} from '@paraloom/proto'

export interface ValidatorClients {
  /** `host:port` of the validator's gRPC server. */
  address: string
  peerMonitor: PeerMonitorClient
  gossip: GossipClient
  close(): void
}

/** Default deadline of one unary call, in milliseconds. */
export const DEFAULT_CALL_DEADLINE_MS = 5000

export function connectValidator(
  address: string,
  creds: ChannelCredentials = credentials.createInsecure(),
): ValidatorClients {
  const peerMonitor = new PeerMonitorClient(address, creds)
  // Share the channel: one TCP connection per validator.
  const gossip = new GossipClient(address, creds, { channelOverride: peerMonitor.getChannel() })
  return {
    address,
    peerMonitor,
    gossip,
    close() {
      gossip.close()
      peerMonitor.close()
    },
  }
}

export interface CallOptions {
  /** @default DEFAULT_CALL_DEADLINE_MS */
  deadlineMs?: number
  signal?: AbortSignal
}

/** `ListPeers` on `client`, bounded by a deadline. */
export function listPeers(
  client: PeerMonitorClient,
  options: CallOptions = {},
): Promise<ListPeersResponse> {
  return unary((cb, deadline) => client.listPeers({}, new Metadata(), { deadline }, cb), options)
}

/** `Publish` on `client`, bounded by a deadline. */
export function publish(
  client: GossipClient,
  request: PublishRequest,
  options: CallOptions = {},
): Promise<PublishResponse> {
  return unary((cb, deadline) => client.publish(request, new Metadata(), { deadline }, cb), options)
}

type Callback<T> = (err: Error | null, value: T) => void

function unary<T>(
  call: (cb: Callback<T>, deadline: Date) => { cancel(): void },
  options: CallOptions,
): Promise<T> {
  const deadline = new Date(Date.now() + (options.deadlineMs ?? DEFAULT_CALL_DEADLINE_MS))
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted()
    const onAbort = (): void => handle.cancel()
    const handle = call((err, value) => {
      options.signal?.removeEventListener('abort', onAbort)
      if (err) reject(err)
      else resolve(value)
    }, deadline)
    options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
