import { loadFileDescriptorSetFromBuffer } from '@grpc/proto-loader'
import { describe, expect, it } from '@jest/globals'
import {
  descriptorSet,
  PeerEvent,
  PeerState,
  PublishRequest,
  Topic,
  TransitionReason,
  transitionReasonName,
} from '../src/index.js'

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
          fromState: PeerState.PEER_STATE_CONNECTED,
          toState: PeerState.PEER_STATE_OFFLINE,
          atMs: 1_764_000_000_000n,
          rttMs: undefined,
          consecutiveMisses: 3,
          reason: TransitionReason.TRANSITION_REASON_TIMEOUT,
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

describe('transitionReasonName', () => {
  it('spells each reason as the node logs it, and an unknown number as reason-N', () => {
    expect(transitionReasonName(TransitionReason.TRANSITION_REASON_REPLY)).toBe('reply')
    expect(transitionReasonName(TransitionReason.TRANSITION_REASON_RTT_ABOVE_SLOW)).toBe(
      'rtt-above-slow',
    )
    expect(transitionReasonName(TransitionReason.TRANSITION_REASON_DIAL_FAILED)).toBe('dial-failed')
    expect(transitionReasonName(TransitionReason.TRANSITION_REASON_UNSPECIFIED)).toBe('unspecified')
    expect(transitionReasonName(42 as TransitionReason)).toBe('reason-42')
  })
})
