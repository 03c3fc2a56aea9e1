// Metric hooks name their label sets: a value outside a closed set (a ban reason, a
// gossip rejection reason, a peer state) does not compile. The @ts-expect-error lines
// are checked by `pnpm typecheck`: each fails the type-check if the label is accepted.
import { describe, expect, it } from '@jest/globals'
import { PEER_STATES, type PeerState } from '@paraloom/interface'
import {
  GOSSIP_REJECT_REASONS,
  type P2PMetrics,
  PEER_OFFENCES,
  type PeerOffence,
} from '../src/index.js'
import { CountingCounter } from './helpers/nodes.js'

describe('typed metric labels', () => {
  it('takes every value of each closed label set', () => {
    const bans = new CountingCounter()
    const rejections = new CountingCounter()
    const transitions = new CountingCounter()
    const metrics: P2PMetrics = { peerBans: bans, gossipRejections: rejections, transitions }
    for (const reason of PEER_OFFENCES) metrics.peerBans?.inc({ reason })
    for (const reason of GOSSIP_REJECT_REASONS)
      metrics.gossipRejections?.inc({ topic: 't', reason })
    for (const from of PEER_STATES) metrics.transitions?.inc({ from, to: 'OFFLINE' })
    expect(bans.get({})).toBe(PEER_OFFENCES.length)
    expect(rejections.get({ topic: 't' })).toBe(GOSSIP_REJECT_REASONS.length)
    expect(transitions.get({ to: 'OFFLINE' })).toBe(PEER_STATES.length)
  })

  it('refuses, at compile time, a label value outside its set', () => {
    const metrics: P2PMetrics = {}
    const offence: PeerOffence = 'oversize_gossip'
    const state: PeerState = 'SLOW'
    metrics.peerBans?.inc({ reason: offence })
    // @ts-expect-error: 'spam' is not one of PEER_OFFENCES
    metrics.peerBans?.inc({ reason: 'spam' })
    // @ts-expect-error: free text is not a gossip rejection reason
    metrics.gossipRejections?.inc({ topic: 't', reason: 'signature does not verify' })
    // @ts-expect-error: the gossip result label is a closed set too
    metrics.gossipMessages?.inc({ topic: 't', result: 'dropped' })
    // @ts-expect-error: a transition is between peer states
    metrics.transitions?.inc({ from: state, to: 'GONE' })
    expect(metrics.peerBans).toBeUndefined()
  })

  it('keeps the gossip rejection reasons a small set of distinct metric-safe labels', () => {
    expect(new Set(GOSSIP_REJECT_REASONS).size).toBe(GOSSIP_REJECT_REASONS.length)
    for (const reason of GOSSIP_REJECT_REASONS) expect(reason).toMatch(/^[a-z]+(_[a-z]+)*$/)
  })
})
