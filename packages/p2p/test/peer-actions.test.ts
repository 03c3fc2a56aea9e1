// The peer-action store: how many of each action earn a ban (the PeerAction
// comments as a table), decay, the caps, and what a ban does (record, count,
// disconnect, callback; once per ban).
import { describe, expect, it } from '@jest/globals'
import type { PeerId } from '@libp2p/interface'
import { noopLogger } from '@paraloom/interface'
import { peerIdFromPublicKeyBytes } from '../src/index.js'
import { PeerAction, type PeerOffence, scoreToState } from '../src/peers/peer-action.js'
import { PeerActions, type PeerBan } from '../src/peers/peer-actions.js'
import { PeerScores } from '../src/peers/peer-scores.js'
import { CountingCounter, makeValidator } from './helpers/nodes.js'

const peerId = (): PeerId => peerIdFromPublicKeyBytes(makeValidator().publicKey)
const log = noopLogger

function store(options: { nowMs?: () => number; maxRecentBans?: number } = {}) {
  const banned = new Map<string, number>()
  const disconnected: string[] = []
  const bans: PeerBan[] = []
  const peerBans = new CountingCounter()
  const actions = new PeerActions(
    {
      ban: (peer, durationMs) => banned.set(peer.toString(), durationMs),
      isBanned: (peer) => banned.has(peer.toString()),
      disconnect: (peer) => disconnected.push(peer.toString()),
      log,
    },
    {
      banDurationMs: 60_000,
      metrics: { peerBans },
      // A frozen clock unless the test moves it: scores decay with time, and a
      // busy machine must not decay them between two calls.
      nowMs: options.nowMs ?? (() => 0),
      maxRecentBans: options.maxRecentBans,
      onBan: (ban) => bans.push(ban),
    },
  )
  return { actions, banned, disconnected, bans, peerBans }
}

describe('PeerScores', () => {
  it.each([
    [PeerAction.Fatal, 1],
    [PeerAction.LowToleranceError, 5],
    [PeerAction.MidToleranceError, 10],
    [PeerAction.HighToleranceError, 50],
  ])('%s: %d in a row earn a ban, one fewer does not', (action, count) => {
    const scores = new PeerScores({ nowMs: () => 0 })
    for (let i = 1; i < count; i++) expect(scores.apply('p', action)).toBe('healthy')
    expect(scores.apply('p', action)).toBe('banned')
  })

  it('decays towards 0 with the configured half-life', () => {
    let now = 0
    const scores = new PeerScores({ halfLifeMs: 1000, nowMs: () => now })
    scores.apply('p', PeerAction.LowToleranceError)
    expect(scores.score('p')).toBe(-10)
    now = 1000
    expect(scores.score('p')).toBeCloseTo(-5)
    now = 2000
    expect(scores.score('p')).toBeCloseTo(-2.5)
    // Errors spread out over half-lives never add up to a ban.
    for (let i = 0; i < 100; i++) {
      now += 1000
      expect(scores.apply('p', PeerAction.LowToleranceError)).toBe('healthy')
    }
  })

  it('keeps at most maxPeers scores, forgetting the mildest first', () => {
    const scores = new PeerScores({ maxPeers: 2, nowMs: () => 0 })
    scores.apply('bad', PeerAction.LowToleranceError)
    scores.apply('mild', PeerAction.HighToleranceError)
    scores.apply('new', PeerAction.MidToleranceError)
    expect(scores.size).toBe(2)
    expect(scores.score('bad')).toBe(-10)
    expect(scores.score('mild')).toBe(0)
    expect(scores.score('new')).toBe(-5)
  })

  it('scoreToState is pure: the ban threshold is -50', () => {
    expect(scoreToState(0)).toBe('healthy')
    expect(scoreToState(-49.9)).toBe('healthy')
    expect(scoreToState(-50)).toBe('banned')
    expect(scoreToState(-100)).toBe('banned')
  })
})

describe('PeerActions', () => {
  it('a Fatal action bans at once: recorded with reason and time, counted, disconnected, reported', () => {
    const { actions, banned, disconnected, bans, peerBans } = store({ nowMs: () => 1_000 })
    const peer = peerId()
    actions.banNow(peer, 'oversize_request')
    expect(banned.get(peer.toString())).toBe(60_000)
    expect(disconnected).toEqual([peer.toString()])
    expect(peerBans.get({ reason: 'oversize_request' })).toBe(1)
    const expected = { peerId: peer, reason: 'oversize_request', atMs: 1_000, untilMs: 61_000 }
    expect(bans).toEqual([expected])
    expect(actions.recentBans()).toEqual([expected])
  })

  it('tolerable errors ban only once they add up; the last reason names the ban', () => {
    const { actions, bans } = store()
    const peer = peerId()
    for (let i = 0; i < 4; i++)
      actions.apply(peer, PeerAction.LowToleranceError, 'malformed_request')
    expect(bans).toEqual([])
    actions.apply(peer, PeerAction.LowToleranceError, 'malformed_request')
    expect(bans.map((b) => b.reason)).toEqual(['malformed_request'])
  })

  it('a banned peer is banned once, however many of its streams still report', () => {
    const { actions, bans, disconnected } = store()
    const peer = peerId()
    for (let i = 0; i < 5; i++) actions.banNow(peer, 'oversize_gossip')
    expect(bans).toHaveLength(1)
    expect(disconnected).toHaveLength(1)
  })

  it('keeps a bounded list of recent bans, newest last', () => {
    const { actions } = store({ maxRecentBans: 2 })
    const reasons: PeerOffence[] = ['gossip_score', 'oversize_gossip', 'request_timeout']
    for (const reason of reasons) actions.banNow(peerId(), reason)
    expect(actions.recentBans().map((b) => b.reason)).toEqual([
      'oversize_gossip',
      'request_timeout',
    ])
  })
})
