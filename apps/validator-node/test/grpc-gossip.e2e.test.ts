// Gossip over gRPC between real validator processes: a vote published on one
// node reaches a Subscribe on every other; invalid payloads are refused by
// Publish with a clear status and never reach the network.
import { type ServiceError, status } from '@grpc/grpc-js'
import { describe, expect, it, jest } from '@jest/globals'
import { Vote } from '@paraloom/codec'
import { type GossipMessage, type PublishResponse, Topic } from '@paraloom/proto'
import { eventually } from '@paraloom/test-utils'
import { GRPC_MAX_RECEIVE_BYTES } from '../src/grpc/server.js'
import { useCluster } from './helpers/cluster-suite.js'
import { publish, publishWhenMeshed, StreamReader } from './helpers/grpc.js'
import { signedVote } from './helpers/votes.js'

// Real processes on a shared, loaded machine: every test and hook gets a generous bound.
jest.setTimeout(60_000)

const suite = useCluster({ size: 4 })
const { clients } = suite

/** Every payload a Publish accepted, in order. */
const published: Buffer[] = []
/** Subscribe streams on validators 1 to 3. */
const subscribers: StreamReader<GossipMessage>[] = []

/** Publish's failure, expecting one. */
async function refusal(i: number, topic: Topic, payload: Uint8Array): Promise<ServiceError> {
  try {
    await publish(clients[i]!.gossip, topic, payload)
  } catch (err) {
    return err as ServiceError
  }
  throw new Error('Publish succeeded; expected a refusal')
}

async function publishOnceMeshed(i: number, payload: Uint8Array): Promise<PublishResponse> {
  const res = await publishWhenMeshed(clients[i]!.gossip, Topic.TOPIC_VOTES, payload)
  published.push(Buffer.from(payload))
  return res
}

describe('Gossip over gRPC, 4 validators', () => {
  it('a vote published on one node reaches a Subscribe on every other', async () => {
    // Node 1 subscribes to every topic (empty list), nodes 2 and 3 to votes only.
    for (const i of [1, 2, 3]) {
      const gossip = clients[i]!.gossip
      const topics = i === 1 ? [] : [Topic.TOPIC_VOTES]
      subscribers.push(suite.track(new StreamReader(gossip.subscribe({ topics }))))
      // A refused Publish on the same channel returns only after the server
      // has taken the Subscribe sent before it, so no message can precede it.
      expect((await refusal(i, Topic.TOPIC_VOTES, new Uint8Array([1]))).code).toBe(
        status.INVALID_ARGUMENT,
      )
    }
    const publisher = suite.cluster.validators[0]!
    const payload = signedVote(publisher)
    const res = await publishOnceMeshed(0, payload)
    expect(res.recipients).toBeGreaterThanOrEqual(1)
    expect(res.messageId).toMatch(/^[0-9a-f]{64}$/)

    for (const reader of subscribers) {
      const message = await reader.next('the published vote')
      expect(message).toMatchObject({
        topic: Topic.TOPIC_VOTES,
        fromPeerId: publisher.peerId,
        messageId: res.messageId,
      })
      expect(Buffer.from(message.payload).equals(Buffer.from(payload))).toBe(true)
      expect(Number(message.receivedAtMs)).toBeGreaterThan(Date.now() - 60_000)
      expect(Vote.decode(message.payload).voter).toEqual(publisher.keypair.publicKey)
    }
  }, 60_000)

  it('refuses the same vote twice with ALREADY_EXISTS', async () => {
    const payload = signedVote(suite.cluster.validators[0]!)
    await publishOnceMeshed(0, payload)
    expect((await refusal(0, Topic.TOPIC_VOTES, payload)).code).toBe(status.ALREADY_EXISTS)
  })

  describe('Publish refuses an invalid payload with INVALID_ARGUMENT and a reason', () => {
    const garbage = Buffer.from('this is not a bincode vote at all', 'utf8')
    it.each<[string, () => Uint8Array, RegExp]>([
      ['garbage bytes', () => garbage, /^Vote payload: \w+ at byte \d+: /],
      ['an empty payload', () => new Uint8Array(0), /^Vote payload: Truncated at byte 0: /],
      [
        'a vote cut short',
        () => signedVote(suite.cluster.validators[0]!).subarray(0, 40),
        /^Vote payload: Truncated at byte \d+: /,
      ],
      [
        'a vote with a byte after it',
        () => new Uint8Array([...signedVote(suite.cluster.validators[0]!), 0]),
        /^Vote payload: TrailingBytes at byte \d+: /,
      ],
      [
        'a payload over the 4 KiB vote cap',
        () => new Uint8Array(4 * 1024 + 1),
        /^Vote payload: TooLarge at byte 4096: /,
      ],
      [
        'a vote signed by another validator',
        () => signedVote(suite.cluster.validators[1]!),
        /is not signed by this node's identity/,
      ],
      [
        'a vote with a bad signature',
        () => {
          const bytes = signedVote(suite.cluster.validators[0]!)
          bytes[bytes.length - 1]! ^= 0xff
          return bytes
        },
        /signature does not verify/,
      ],
      [
        'a vote for another network',
        () => signedVote(suite.cluster.validators[0]!, { network: 'Testnet' }),
        /is for Testnet, this node is on devnet/,
      ],
    ])('%s', async (_name, payload, reason) => {
      const err = await refusal(0, Topic.TOPIC_VOTES, payload())
      expect(err.code).toBe(status.INVALID_ARGUMENT)
      expect(err.details).toMatch(reason)
      // The reason is stated once, on one line.
      expect(err.details).not.toMatch(/(\w+ at byte \d+).*\1/)
      expect(err.details).not.toContain('\n')
    })

    it('an unknown topic', async () => {
      const err = await refusal(
        0,
        Topic.TOPIC_UNSPECIFIED,
        signedVote(suite.cluster.validators[0]!),
      )
      expect(err.code).toBe(status.INVALID_ARGUMENT)
      expect(err.details).toMatch(/unknown topic 0: use TOPIC_BLOCKS, TOPIC_VOTES or TOPIC_RESULTS/)
    })

    it('a message over the gRPC size limit is refused with RESOURCE_EXHAUSTED', async () => {
      const err = await refusal(0, Topic.TOPIC_BLOCKS, new Uint8Array(GRPC_MAX_RECEIVE_BYTES + 1))
      expect(err.code).toBe(status.RESOURCE_EXHAUSTED)
    })

    it('none of them reached a subscriber', async () => {
      // Every subscriber gets exactly the votes Publish accepted, nothing else.
      await eventually('every accepted vote at every subscriber', () =>
        subscribers.every((r) => r.received.length >= published.length) ? true : undefined,
      )
      for (const r of subscribers) {
        expect(r.received.map((m) => Buffer.from(m.payload))).toEqual(published)
      }
    })
  })

  it('Subscribe refuses an unknown topic with INVALID_ARGUMENT', async () => {
    const reader = suite.track(
      new StreamReader(clients[0]!.gossip.subscribe({ topics: [99 as Topic] })),
    )
    await expect(reader.next('an error')).rejects.toThrow(/unknown topic in topics/)
    expect(reader.error?.code).toBe(status.INVALID_ARGUMENT)
  })
})
