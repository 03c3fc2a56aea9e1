import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader'
import { describe, expect, it } from '@jest/globals'
import { descriptorSet, PeerEvent, PeerState, PublishRequest, Topic } from '../src/index.js'

describe('@paraloom/proto', () => {
  it('round-trips a transition event with 64-bit fields as bigint', () => {
    const event = {
      observer: { peerId: '12D3KooWabc', validator: 'Val1', incarnation: 'x1', network: 'devnet' },
      event: {
        $case: 'transition' as const,
        value: {
          sequence: 18446744073709551615n,
          peerId: '12D3KooWdef',
          validator: 'Val2',
          from: PeerState.PEER_STATE_CONNECTED,
          to: PeerState.PEER_STATE_OFFLINE,
          atMs: 1_764_000_000_000n,
          rttMs: undefined,
          consecutiveMisses: 3,
          reason: 'timeout',
        },
      },
    }
    const bytes = PeerEvent.encode(event).finish()
    expect(PeerEvent.decode(bytes)).toEqual(event)
  })

  it('rejects a truncated message with an error, not a crash', () => {
    const bytes = PublishRequest.encode({
      topic: Topic.TOPIC_VOTES,
      payload: Buffer.alloc(100),
    }).finish()
    expect(() => PublishRequest.decode(bytes.subarray(0, 50))).toThrow()
  })

  it('ships a descriptor set naming every service, for server reflection', () => {
    const definition = loadFileDescriptorSetFromBuffer(descriptorSet())
    expect(Object.keys(definition)).toEqual(
      expect.arrayContaining([
        'paraloom.v1.PeerMonitor',
        'paraloom.v1.Gossip',
        'paraloom.v1.Query',
        'grpc.health.v1.Health',
      ]),
    )
  })
})
