/**
 * Typed gossip over the three per-network topics. Incoming messages pass the
 * topic validator (`validate.ts`) before gossipsub forwards or delivers them;
 * subscribers receive the decoded value. Publishing checks the topic's cap
 * and the signer first and fails loudly, since gossipsub drops oversized
 * RPCs silently.
 */
import type { GossipSub, Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { CodecError, verifyEncoded } from '@paraloom/codec'
import { type Logger, type NetworkName, sleep } from '@paraloom/interface'
import { equals } from 'uint8arrays/equals'
import { GOSSIP_KINDS, type GossipKind, gossipTopic, WIRE_NETWORK } from '../constants.js'
import { GossipError } from '../errors.js'
import type { GossipMessageResult, P2PMetrics } from '../metrics.js'
import { SeenCache } from './seen-cache.js'
import { SignerIds } from './signer-ids.js'
import { type GossipValues, messageIdOf, TOPIC_SPECS } from './topics.js'
import { GossipRejectReason, type ValidationResult, validateGossip } from './validate.js'

/** An accepted gossip message, as a subscriber receives it. */
export interface GossipMessage<K extends GossipKind> {
  value: GossipValues[K]
  /**
   * Its author: the PeerId of the payload's signer (voter, proposer,
   * executor), whichever peer relayed it. Gossipsub runs StrictNoSign, so
   * the payload signature, checked by the topic validator, is the proof.
   */
  from: PeerId
  /** Its gossipsub message id, hex: SHA-256 of the topic name, then the bytes. */
  id: string
  /** Local receive time, ms since the epoch. */
  receivedAt: number
  /** The exact bincode bytes received. */
  bytes: Uint8Array
}

export type GossipHandler<K extends GossipKind> = (
  message: GossipMessage<K>,
) => void | Promise<void>

/** The typed gossip API of a Paraloom node. */
export interface ParaloomGossip {
  /**
   * Publishes a value this node signed. Throws GossipError: `TooLarge` over the
   * topic's cap, `Invalid` when not signed by this node, `NoPeers` before any
   * peer subscribes to the topic (see `waitForSubscribers`), `Duplicate`.
   * Resolves with the number of peers it was sent to.
   */
  publish<K extends GossipKind>(kind: K, value: GossipValues[K]): Promise<number>
  /**
   * `publish` for a value already encoded (as a gRPC client sends it): the
   * bytes are decoded under the topic's cap and checked like `publish`'s,
   * then sent as they are. Throws GossipError as `publish` does, `Invalid`
   * or `TooLarge` with the decoder's reason (`<Type> payload: <why>`) for
   * bytes that do not decode. Resolves with the recipients and the message
   * id (hex).
   */
  publishEncoded(kind: GossipKind, bytes: Uint8Array): Promise<{ recipients: number; id: string }>
  /** Calls `handler` for every accepted message of `kind`; returns the unsubscribe function. */
  subscribe<K extends GossipKind>(kind: K, handler: GossipHandler<K>): () => void
  /** Peers currently subscribed to the topic of `kind`. */
  subscribers(kind: GossipKind): PeerId[]
  /**
   * PeerId strings of this node's mesh for the topic of `kind`: the peers it
   * forwards to. Forwarding reaches only mesh peers, so a message published
   * before the mesh forms may not travel past the first hop.
   */
  meshPeers(kind: GossipKind): string[]
  /** Resolves once at least `count` peers subscribe to the topic of `kind`. */
  waitForSubscribers(
    kind: GossipKind,
    options?: { count?: number; signal?: AbortSignal },
  ): Promise<void>
}

export interface GossipComponents {
  pubsub: GossipSub
  peerId: PeerId
  log: Logger
}

export interface GossipInit {
  network: NetworkName
  isActiveValidator(publicKey: Uint8Array): boolean
  metrics?: P2PMetrics
  /**
   * Called with the peer that sent a message no honest node sends (over its
   * topic's cap), so the node can ban it at once instead of waiting for its
   * score to sink while its oversize RPCs fill memory.
   */
  onViolation?(peer: PeerId, reason: string): void
  /**
   * Called with the peer that sent a message no honest relay forwards (it
   * does not decode, names another network, or its signature is bad): the
   * node counts it against the peer, which is banned once they add up.
   */
  onMalformed?(peer: PeerId, reason: string): void
  /** Ids of accepted messages remembered to ignore replays. @default 16384 */
  seenCacheSize?: number
}

const DEFAULT_SEEN_CACHE_SIZE = 16_384
/** Signer PeerIds kept: a validator set, with room to spare. */
const SIGNER_IDS_SIZE = 4096
const SUBSCRIBER_POLL_MS = 50

const TO_GOSSIPSUB: Record<ValidationResult, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
}

export class Gossip implements ParaloomGossip {
  private readonly topics: Record<GossipKind, string>
  private readonly kindByTopic = new Map<string, GossipKind>()
  private readonly handlers = new Map<GossipKind, Set<GossipHandler<GossipKind>>>()
  /** What the validator found, handed to the delivery of the same message. */
  private readonly accepted = new WeakMap<
    Uint8Array,
    { value: GossipValues[GossipKind]; from: PeerId }
  >()
  private readonly seen: SeenCache
  private readonly signerIds = new SignerIds(SIGNER_IDS_SIZE)
  private running = false

  constructor(
    private readonly components: GossipComponents,
    private readonly init: GossipInit,
  ) {
    this.topics = Object.fromEntries(
      GOSSIP_KINDS.map((k) => [k, gossipTopic(init.network, k)]),
    ) as Record<GossipKind, string>
    for (const kind of GOSSIP_KINDS) this.kindByTopic.set(this.topics[kind], kind)
    this.seen = new SeenCache(init.seenCacheSize ?? DEFAULT_SEEN_CACHE_SIZE)
  }

  start(): void {
    if (this.running) return
    this.running = true
    const { pubsub } = this.components
    for (const kind of GOSSIP_KINDS) {
      pubsub.topicValidators.set(this.topics[kind], (source, msg) =>
        this.validate(kind, source, msg),
      )
      pubsub.subscribe(this.topics[kind])
    }
    pubsub.addEventListener('message', this.onMessage)
  }

  stop(): void {
    if (!this.running) return
    this.running = false
    const { pubsub } = this.components
    pubsub.removeEventListener('message', this.onMessage)
    for (const kind of GOSSIP_KINDS) {
      pubsub.unsubscribe(this.topics[kind])
      pubsub.topicValidators.delete(this.topics[kind])
    }
  }

  async publish<K extends GossipKind>(kind: K, value: GossipValues[K]): Promise<number> {
    return this.counted(kind, () => this.send(kind, value, this.encode(kind, value)))
  }

  async publishEncoded(
    kind: GossipKind,
    bytes: Uint8Array,
  ): Promise<{ recipients: number; id: string }> {
    return this.counted(kind, async () => {
      const recipients = await this.send(kind, this.decode(kind, bytes), bytes)
      return { recipients, id: Buffer.from(messageIdOf(this.topics[kind], bytes)).toString('hex') }
    })
  }

  /** Runs one publish, counted as published or failed. */
  private async counted<T>(kind: GossipKind, publish: () => Promise<T>): Promise<T> {
    const topic = this.topics[kind]
    try {
      const result = await publish()
      this.count(topic, 'published')
      return result
    } catch (err) {
      this.count(topic, 'publish_error')
      throw err
    }
  }

  subscribe<K extends GossipKind>(kind: K, handler: GossipHandler<K>): () => void {
    let set = this.handlers.get(kind)
    if (set == null) {
      set = new Set()
      this.handlers.set(kind, set)
    }
    const entry = handler as unknown as GossipHandler<GossipKind>
    set.add(entry)
    return () => {
      set.delete(entry)
    }
  }

  subscribers(kind: GossipKind): PeerId[] {
    return this.components.pubsub.getSubscribers(this.topics[kind])
  }

  meshPeers(kind: GossipKind): string[] {
    return (
      this.components.pubsub as GossipSub & { getMeshPeers(topic: string): string[] }
    ).getMeshPeers(this.topics[kind])
  }

  async waitForSubscribers(
    kind: GossipKind,
    options: { count?: number; signal?: AbortSignal } = {},
  ): Promise<void> {
    const count = options.count ?? 1
    while (this.subscribers(kind).length < count) {
      options.signal?.throwIfAborted()
      await sleep(SUBSCRIBER_POLL_MS, options.signal)
    }
  }

  private encode<K extends GossipKind>(kind: K, value: GossipValues[K]): Uint8Array {
    const spec = TOPIC_SPECS[kind]
    let bytes: Uint8Array
    try {
      bytes = spec.type.encode(value)
    } catch (err) {
      throw new GossipError(
        'Invalid',
        `${spec.type.name} does not encode: ${(err as Error).message}`,
        { cause: err },
      )
    }
    if (bytes.length > spec.type.maxBytes) {
      throw new GossipError(
        'TooLarge',
        `${spec.type.name} is ${bytes.length} bytes, over the ${spec.type.maxBytes}-byte cap of ${this.topics[kind]}`,
      )
    }
    return bytes
  }

  private decode<K extends GossipKind>(kind: K, bytes: Uint8Array): GossipValues[K] {
    const spec = TOPIC_SPECS[kind]
    try {
      return spec.type.decode(bytes, { maxBytes: spec.type.maxBytes })
    } catch (err) {
      // A CodecError's message already reads `<Code> at byte <offset>: <why>`.
      const code = err instanceof CodecError && err.code === 'TooLarge' ? 'TooLarge' : 'Invalid'
      throw new GossipError(code, `${spec.type.name} payload: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }

  /** Checks `value` (encoded as `bytes`, under the cap) as peers will, then publishes `bytes`. */
  private async send<K extends GossipKind>(
    kind: K,
    value: GossipValues[K],
    bytes: Uint8Array,
  ): Promise<number> {
    if (!this.running) throw new GossipError('NotStarted', 'the node is not running')
    const spec = TOPIC_SPECS[kind]
    // A node publishes what it signed (relaying others' messages is gossipsub's job): refuse loudly.
    if (
      !equals(spec.type.signer(value), this.components.peerId.publicKey?.raw ?? new Uint8Array())
    ) {
      throw new GossipError('Invalid', `${spec.type.name} is not signed by this node's identity`)
    }
    if (!verifyEncoded(spec.type, bytes, spec.type.signer(value)))
      throw new GossipError('Invalid', `${spec.type.name} signature does not verify`)
    if (spec.network(value) !== WIRE_NETWORK[this.init.network]) {
      throw new GossipError(
        'Invalid',
        `${spec.type.name} is for ${spec.network(value)}, this node is on ${this.init.network}`,
      )
    }
    try {
      const { recipients } = await this.components.pubsub.publish(this.topics[kind], bytes)
      return recipients.length
    } catch (err) {
      const message = (err as Error).message
      if (message.includes('NoPeersSubscribedToTopic')) {
        throw new GossipError('NoPeers', `no peer subscribes to ${this.topics[kind]} yet`, {
          cause: err,
        })
      }
      if (message.includes('Duplicate')) {
        throw new GossipError(
          'Duplicate',
          `these bytes were published on ${this.topics[kind]} recently`,
          { cause: err },
        )
      }
      throw new GossipError('PublishFailed', `publish on ${this.topics[kind]} failed: ${message}`, {
        cause: err,
      })
    }
  }

  /** Topic validator: never throws (gossipsub would count a throw as Ignore anyway). */
  private validate(kind: GossipKind, source: PeerId, msg: Message): TopicValidatorResult {
    const topic = this.topics[kind]
    try {
      const verdict = validateGossip(kind, msg.data, messageIdOf(topic, msg.data), {
        network: WIRE_NETWORK[this.init.network],
        isActiveValidator: this.init.isActiveValidator,
        seen: this.seen,
      })
      this.count(topic, verdict.result)
      if (verdict.result === 'accept') {
        this.accepted.set(msg.data, {
          value: verdict.value,
          from: this.signerIds.get(verdict.signer),
        })
        return TopicValidatorResult.Accept
      }
      this.refused(topic, verdict.code)
      if (verdict.violation) this.init.onViolation?.(source, verdict.reason)
      else if (verdict.malformed) this.init.onMalformed?.(source, verdict.reason)
      this.components.log.debug('gossip message refused', {
        topic,
        result: verdict.result,
        reason: verdict.code,
        detail: verdict.reason,
        from: source.toString(),
      })
      return TO_GOSSIPSUB[verdict.result]
    } catch (err) {
      this.components.log.warn('gossip validator failed', {
        topic,
        reason: GossipRejectReason.ValidatorError,
        error: (err as Error).message,
      })
      this.count(topic, 'ignore')
      this.refused(topic, GossipRejectReason.ValidatorError)
      return TopicValidatorResult.Ignore
    }
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    const kind = this.kindByTopic.get(msg.topic)
    // Gossipsub delivers only what the validator accepted, so `accepted` has it.
    const accepted = this.accepted.get(msg.data)
    if (kind == null || accepted === undefined) return
    this.accepted.delete(msg.data)
    const handlers = this.handlers.get(kind)
    if (handlers === undefined || handlers.size === 0) return
    const message: GossipMessage<GossipKind> = {
      value: accepted.value,
      from: accepted.from,
      id: Buffer.from(messageIdOf(msg.topic, msg.data)).toString('hex'),
      receivedAt: Date.now(),
      bytes: msg.data,
    }
    for (const handler of handlers) {
      try {
        void Promise.resolve(handler(message)).catch((err: Error) => this.handlerFailed(kind, err))
      } catch (err) {
        this.handlerFailed(kind, err as Error)
      }
    }
  }

  private handlerFailed(kind: GossipKind, err: Error): void {
    this.components.log.warn('gossip subscriber threw', { kind, error: err.message })
  }

  private count(topic: string, result: GossipMessageResult): void {
    this.init.metrics?.gossipMessages?.inc({ topic, result })
  }

  private refused(topic: string, reason: GossipRejectReason): void {
    this.init.metrics?.gossipRejections?.inc({ topic, reason })
  }
}
