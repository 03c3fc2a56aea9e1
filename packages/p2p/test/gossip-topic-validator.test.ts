// The Gossip layer on a stub pubsub, without a libp2p node: the verdict its
// topic validator hands gossipsub for each kind of bad message (and whom it
// reports), what a subscriber receives, the metrics, and what publish
// refuses before anything is sent. gossip.e2e.test.ts runs it between real
// nodes over TCP.
import { describe, expect, it } from '@jest/globals'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { sign, Vote } from '@paraloom/codec'
import { Gossip, type GossipMessage } from '../src/gossip/gossip.js'
import { messageIdOf } from '../src/gossip/topics.js'
import { GOSSIP_MAX_BYTES, gossipTopic, peerIdFromPublicKeyBytes } from '../src/index.js'
import { CountingCounter, makeValidator, signedVote, type Validator } from './helpers/nodes.js'
import { stubLogger } from './helpers/stubs.js'

const TOPIC = gossipTopic('localnet', 'votes')
const self = makeValidator()
const voter = makeValidator()
const outsider = makeValidator()
const relay = peerIdFromPublicKeyBytes(makeValidator().publicKey)
const active = new Set([self, voter].map((v) => Buffer.from(v.publicKey).toString('hex')))

type Validate = (source: PeerId, msg: Message) => TopicValidatorResult

/** The part of gossipsub the layer uses: topic validators, (un)subscribe, publish, message events. */
class StubPubSub extends EventTarget {
  readonly topicValidators = new Map<string, Validate>()
  readonly topics = new Set<string>()
  readonly published: { topic: string; data: Uint8Array }[] = []
  /** Thrown by the next publish, as gossipsub throws it. */
  publishError: Error | undefined

  subscribe(topic: string): void {
    this.topics.add(topic)
  }
  unsubscribe(topic: string): void {
    this.topics.delete(topic)
  }
  getSubscribers(): PeerId[] {
    return [relay]
  }
  async publish(topic: string, data: Uint8Array): Promise<{ recipients: PeerId[] }> {
    if (this.publishError !== undefined) throw this.publishError
    this.published.push({ topic, data })
    return { recipients: [relay] }
  }

  /** What gossipsub does with a message `source` relays: validate it, deliver it if accepted. */
  receive(data: Uint8Array, source: PeerId = relay, topic = TOPIC): TopicValidatorResult {
    const msg = { type: 'unsigned', topic, data } as Message
    const validate = this.topicValidators.get(topic)
    if (validate === undefined) throw new Error(`no validator on ${topic}`)
    const result = validate(source, msg)
    if (result === TopicValidatorResult.Accept)
      this.dispatchEvent(new CustomEvent('message', { detail: msg }))
    return result
  }
}

function setup(
  isActiveValidator = (key: Uint8Array) => active.has(Buffer.from(key).toString('hex')),
) {
  const pubsub = new StubPubSub()
  const counter = new CountingCounter()
  const rejections = new CountingCounter()
  const violations: string[] = []
  const malformed: string[] = []
  const log = stubLogger()
  const gossip = new Gossip(
    {
      pubsub: pubsub as unknown as GossipSub,
      peerId: peerIdFromPublicKeyBytes(self.publicKey),
      log,
    },
    {
      network: 'localnet',
      isActiveValidator,
      metrics: { gossipMessages: counter, gossipRejections: rejections },
      onViolation: (peer) => violations.push(peer.toString()),
      onMalformed: (peer) => malformed.push(peer.toString()),
    },
  )
  gossip.start()
  const received: GossipMessage<'votes'>[] = []
  gossip.subscribe('votes', (m) => {
    received.push(m)
  })
  return { gossip, pubsub, counter, rejections, violations, malformed, received, log }
}

const vote = (by: Validator, height: bigint) => Vote.encode(signedVote(by, height))

describe('the gossip topic validator', () => {
  it('accepts a vote of an active validator and delivers it, authored by its signer; a replay is ignored', () => {
    const { pubsub, received, counter } = setup()
    const bytes = vote(voter, 1n)
    expect(pubsub.receive(bytes)).toBe(TopicValidatorResult.Accept)
    expect(received).toHaveLength(1)
    expect(received[0]!.value.height).toBe(1n)
    // The signer, not the relay that forwarded it.
    expect(received[0]!.from.equals(peerIdFromPublicKeyBytes(voter.publicKey))).toBe(true)
    expect(received[0]!.bytes).toBe(bytes)
    expect(received[0]!.id).toBe(Buffer.from(messageIdOf(TOPIC, bytes)).toString('hex'))
    expect(pubsub.receive(Uint8Array.from(bytes))).toBe(TopicValidatorResult.Ignore)
    expect(received).toHaveLength(1)
    expect(counter.get({ topic: TOPIC, result: 'accept' })).toBe(1)
    expect(counter.get({ topic: TOPIC, result: 'ignore' })).toBe(1)
  })

  const tampered = (): Uint8Array => {
    const bytes = vote(voter, 2n)
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
    return bytes
  }

  it.each([
    ['over the cap', () => new Uint8Array(GOSSIP_MAX_BYTES.votes + 1), 'violation', 'too_large'],
    ['garbage', () => Uint8Array.of(1, 2, 3), 'malformed', 'undecodable'],
    [
      'for another network',
      () => Vote.encode(signedVote(voter, 3n, 'devnet')),
      'malformed',
      'wrong_network',
    ],
    ['badly signed', tampered, 'malformed', 'bad_signature'],
    [
      'signed by another key than its voter',
      () => Vote.encode(sign(Vote, signedVote(voter, 4n), outsider.secretKey)),
      'malformed',
      'bad_signature',
    ],
    // An honest relay may have seen a registry change before us: not held against it.
    ['by an unregistered signer', () => vote(outsider, 5n), 'neither', 'unknown_signer'],
  ] as const)('rejects a vote %s, and reports its relay only when no honest node sends it', (_, make, reported, reason) => {
    const { pubsub, received, violations, malformed, counter, rejections } = setup()
    expect(pubsub.receive(make())).toBe(TopicValidatorResult.Reject)
    expect(received).toEqual([])
    expect(violations).toEqual(reported === 'violation' ? [relay.toString()] : [])
    expect(malformed).toEqual(reported === 'malformed' ? [relay.toString()] : [])
    expect(counter.get({ topic: TOPIC, result: 'reject' })).toBe(1)
    // Counted under its closed reason code (the label of paraloom_gossip_rejections_total).
    expect(rejections.get({ topic: TOPIC, reason })).toBe(1)
    expect(rejections.get({ topic: TOPIC })).toBe(1)
  })

  it('a validator that fails inside says Ignore, logs it and never throws into gossipsub', () => {
    const { pubsub, received, counter, log } = setup(() => {
      throw new Error('registry unavailable')
    })
    expect(pubsub.receive(vote(voter, 6n))).toBe(TopicValidatorResult.Ignore)
    expect(received).toEqual([])
    expect(counter.get({ topic: TOPIC, result: 'ignore' })).toBe(1)
    expect(log.errors.join('\n')).toMatch(/registry unavailable/)
  })

  it('stop removes the validators and leaves the topics', () => {
    const { gossip, pubsub } = setup()
    expect(pubsub.topics.size).toBe(3)
    gossip.stop()
    expect(pubsub.topics.size).toBe(0)
    expect(pubsub.topicValidators.size).toBe(0)
  })
})

describe('publishing on a stub pubsub', () => {
  it('sends a vote this node signed, and counts it', async () => {
    const { gossip, pubsub, counter } = setup()
    expect(await gossip.publish('votes', signedVote(self, 1n))).toBe(1)
    expect(pubsub.published.map((p) => p.topic)).toEqual([TOPIC])
    expect(counter.get({ topic: TOPIC, result: 'published' })).toBe(1)
  })

  it.each([
    ['signed by another validator', () => signedVote(voter, 1n), /not signed by this node/],
    ['for another network', () => signedVote(self, 1n, 'devnet'), /this node is on localnet/],
    [
      'with a bad signature',
      () => ({ ...signedVote(self, 1n), signature: new Uint8Array(64) }),
      /does not verify/,
    ],
  ])('refuses a vote %s before sending anything', async (_, make, why) => {
    const { gossip, pubsub, counter } = setup()
    await expect(gossip.publish('votes', make())).rejects.toMatchObject({
      name: 'GossipError',
      code: 'Invalid',
      message: expect.stringMatching(why),
    })
    expect(pubsub.published).toEqual([])
    expect(counter.get({ topic: TOPIC, result: 'publish_error' })).toBe(1)
  })

  it('publishEncoded refuses bytes that do not decode, and sends valid ones as they are', async () => {
    const { gossip, pubsub } = setup()
    await expect(gossip.publishEncoded('votes', Uint8Array.of(1, 2, 3))).rejects.toMatchObject({
      code: 'Invalid',
    })
    await expect(
      gossip.publishEncoded('votes', new Uint8Array(GOSSIP_MAX_BYTES.votes + 1)),
    ).rejects.toMatchObject({ code: 'TooLarge' })
    const bytes = vote(self, 7n)
    const sent = await gossip.publishEncoded('votes', bytes)
    expect(sent).toEqual({
      recipients: 1,
      id: Buffer.from(messageIdOf(TOPIC, bytes)).toString('hex'),
    })
    expect(pubsub.published[0]!.data).toBe(bytes)
  })

  it.each([
    ['NoPeersSubscribedToTopic', 'NoPeers'],
    ['PublishError.Duplicate', 'Duplicate'],
    ['something else', 'PublishFailed'],
  ])("gossipsub's %s is a GossipError %s", async (message, code) => {
    const { gossip, pubsub } = setup()
    pubsub.publishError = new Error(message)
    await expect(gossip.publish('votes', signedVote(self, 1n))).rejects.toMatchObject({ code })
  })

  it('a stopped layer publishes nothing', async () => {
    const { gossip, pubsub } = setup()
    gossip.stop()
    await expect(gossip.publish('votes', signedVote(self, 1n))).rejects.toMatchObject({
      code: 'NotStarted',
    })
    expect(pubsub.published).toEqual([])
  })
})
