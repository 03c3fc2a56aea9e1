import { describe, expect, it } from '@jest/globals'
import { PeerState, type PeerStatus, TransitionReason } from '@paraloom/proto'
import { peerJson, peerTable, stateName, transitionJson } from '../src/peers/format.js'

const peer = (over: Partial<PeerStatus> = {}): PeerStatus => ({
  peerId: '12D3KooWPeer',
  validator: 'Val1',
  state: PeerState.PEER_STATE_CONNECTED,
  rttMs: 1.234,
  consecutiveMisses: 0,
  sinceMs: 1_000n,
  ...over,
})

describe('paraloom peers output', () => {
  it('--json keys: validator, peer_id, state, rtt_ms, since_ms (null RTT when never answered)', () => {
    expect(peerJson(peer())).toEqual({
      validator: 'Val1',
      peer_id: '12D3KooWPeer',
      state: 'CONNECTED',
      rtt_ms: 1.2,
      since_ms: 1000,
      missed: 0,
      last_seen_ms: null,
    })
    expect(
      peerJson(peer({ rttMs: undefined, state: PeerState.PEER_STATE_UNKNOWN })).rtt_ms,
    ).toBeNull()
  })

  it('a state number it does not know is UNKNOWN, never a crash', () => {
    expect(stateName(99 as PeerState)).toBe('UNKNOWN')
    expect(stateName(PeerState.PEER_STATE_UNSPECIFIED)).toBe('UNKNOWN')
  })

  it('a transition prints the new state under the same keys, plus from_state and reason', () => {
    const t = transitionJson({
      sequence: 7n,
      peerId: 'p',
      validator: 'V',
      fromState: PeerState.PEER_STATE_CONNECTED,
      toState: PeerState.PEER_STATE_OFFLINE,
      atMs: 5000n,
      consecutiveMisses: 3,
      reason: TransitionReason.TRANSITION_REASON_TIMEOUT,
      lastSeenMs: 2000n,
    })
    expect(t).toEqual({
      event: 'transition',
      validator: 'V',
      peer_id: 'p',
      state: 'OFFLINE',
      from_state: 'CONNECTED',
      reason: 'timeout',
      since_ms: 5000,
      rtt_ms: null,
      missed: 3,
      last_seen_ms: 2000,
      sequence: 7,
    })
  })

  it('the table sorts by validator and ends with the counts', () => {
    const text = peerTable(
      {
        observer: { peerId: 'o', validator: 'Obs', incarnation: 'i', network: 'devnet' },
        lastSequence: 0n,
        atMs: 0n,
        peers: [
          peer({
            validator: 'B',
            state: PeerState.PEER_STATE_OFFLINE,
            rttMs: undefined,
            consecutiveMisses: 3,
          }),
          peer({ validator: 'A' }),
        ],
      },
      61_000,
    )
    const lines = text.split('\n')
    expect(lines[1]).toMatch(/^A +12D3KooWPeer +CONNECTED +1m00s +1\.2 ms +0$/)
    expect(lines[2]).toMatch(/^B +12D3KooWPeer +OFFLINE +1m00s +- +3$/)
    expect(lines[3]).toBe(
      '2 peers: 1 CONNECTED, 0 SLOW, 1 OFFLINE, 0 UNKNOWN (seen by Obs on devnet)',
    )
  })
})
