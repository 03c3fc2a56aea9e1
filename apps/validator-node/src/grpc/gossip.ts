import { Metadata, type ServerWritableStream, type sendUnaryData, status } from '@grpc/grpc-js'
import { GossipError, type GossipKind, type ParaloomGossip } from '@paraloom/p2p'
import type { GossipMessage, GossipServer, PublishResponse, Topic } from '@paraloom/proto'
import { type ClientStreamCaps, createStreamCaps } from './stream-caps.js'
import { KIND_OF_TOPIC, TOPIC_OF_KIND } from './topics.js'

/** gRPC status for each way a publish can fail. */
const PUBLISH_STATUS: Record<GossipError['code'], status> = {
  TooLarge: status.INVALID_ARGUMENT,
  Invalid: status.INVALID_ARGUMENT,
  Duplicate: status.ALREADY_EXISTS,
  NoPeers: status.UNAVAILABLE,
  NotStarted: status.UNAVAILABLE,
  PublishFailed: status.INTERNAL,
}

export interface GossipServiceInit {
  gossip: ParaloomGossip
  /** Messages queued for one subscriber that is not reading; past this its stream ends. @default 10000 */
  maxQueuedPerSubscriber?: number
  /** Concurrent Subscribe streams. @default 256 */
  maxSubscribers?: number
  /** Caps per client connection and the reserve (see stream-caps.ts). */
  clientCaps?: ClientStreamCaps
}

export interface GossipService {
  implementation: GossipServer
  /** Ends every Subscribe stream. */
  close(): void
}

type Subscription = ServerWritableStream<unknown, GossipMessage>

/**
 * Publish hands the payload to the node as it is (`publishEncoded`), which
 * decodes it under the topic's size cap and checks network, signer (this
 * node) and signature exactly as the topic validator would; any failure is
 * INVALID_ARGUMENT with the reason. Subscribe streams every accepted message
 * of the chosen topics. Neither re-encodes or re-hashes a message: the bytes
 * and the message id are the node's own.
 */
export function createGossipService(init: GossipServiceInit): GossipService {
  const { gossip } = init
  const maxQueued = init.maxQueuedPerSubscriber ?? 10_000
  const caps = createStreamCaps({
    noun: 'subscribers',
    maxStreams: init.maxSubscribers ?? 256,
    ...init.clientCaps,
  })
  const subscriptions = new Map<Subscription, () => void>()

  const end = (call: Subscription, error?: { code: status; details: string }): void => {
    subscriptions.get(call)?.()
    subscriptions.delete(call)
    if (error) call.emit('error', error)
    else call.end()
  }

  const publish = async (
    topic: Topic,
    payload: Uint8Array,
    callback: sendUnaryData<PublishResponse>,
  ): Promise<void> => {
    const kind = KIND_OF_TOPIC[topic]
    if (kind === undefined) {
      callback({
        code: status.INVALID_ARGUMENT,
        details: `unknown topic ${topic}: use TOPIC_BLOCKS, TOPIC_VOTES or TOPIC_RESULTS`,
      })
      return
    }
    try {
      const { recipients, id } = await gossip.publishEncoded(kind, payload)
      callback(null, { messageId: id, recipients })
    } catch (err) {
      if (!(err instanceof GossipError)) throw err
      callback({ code: PUBLISH_STATUS[err.code], details: err.message })
    }
  }

  const implementation: GossipServer = {
    publish(call, callback) {
      publish(call.request.topic, call.request.payload, callback).catch((err: unknown) =>
        callback({
          code: status.INTERNAL,
          details: err instanceof Error ? err.message : String(err),
        }),
      )
    },
    subscribe(call) {
      const requested = call.request.topics.map((t) => KIND_OF_TOPIC[t])
      if (requested.some((k) => k === undefined)) {
        call.emit('error', { code: status.INVALID_ARGUMENT, details: 'unknown topic in topics' })
        return
      }
      const release = caps.acquire(call.getPeer())
      if (typeof release !== 'function') {
        call.emit('error', release)
        return
      }
      // Headers at once: the client learns its subscription is open before any message.
      call.sendMetadata(new Metadata())
      const kinds =
        requested.length === 0
          ? (Object.keys(TOPIC_OF_KIND) as GossipKind[])
          : (requested as GossipKind[])
      const unsubscribes = kinds.map((kind) =>
        gossip.subscribe(kind, (message) => {
          if (call.writableLength >= maxQueued) {
            end(call, {
              code: status.RESOURCE_EXHAUSTED,
              details: `subscriber fell ${maxQueued} messages behind`,
            })
            return
          }
          call.write({
            topic: TOPIC_OF_KIND[kind],
            payload: Buffer.from(
              message.bytes.buffer,
              message.bytes.byteOffset,
              message.bytes.byteLength,
            ),
            fromPeerId: message.from.toString(),
            receivedAtMs: BigInt(message.receivedAt),
            messageId: message.id,
          })
        }),
      )
      subscriptions.set(call, () => {
        for (const u of unsubscribes) u()
        release()
      })
      const forget = (): void => {
        subscriptions.get(call)?.()
        subscriptions.delete(call)
      }
      call.on('cancelled', forget)
      call.on('close', forget)
    },
  }

  return {
    implementation,
    close() {
      for (const call of [...subscriptions.keys()]) end(call)
    },
  }
}
