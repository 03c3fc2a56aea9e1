import { describe, expect, it } from '@jest/globals'
import {
  createEvidenceTracker,
  createPeerRegistry,
  type EvidenceTrackerInit,
  LivenessError,
} from '../src/liveness/index.js'
import { RedialBackoff } from '../src/liveness/redial-backoff.js'

const A = 'peer-a'
const B = 'peer-b'

/** A registry and an evidence tracker wired as the node wires them, on one fake clock. */
function setup(init: Partial<EvidenceTrackerInit> = {}) {
  let now = 10_000
  const clock = () => now
  const registry = createPeerRegistry({ slowRttMs: 100, offlineAfterMissed: 3, clock })
  const evidence = createEvidenceTracker({ observer: 'me', evidenceAfterMs: 1000, clock, ...init })
  registry.onTransition((t) => evidence.observe(t))
  registry.addPeer(A, 'validator-a')
  registry.addPeer(B, 'validator-b')
  return {
    registry,
    evidence,
    advance(ms: number) {
      now += ms
    },
    miss(peer: string, times: number) {
      for (let i = 0; i < times; i++) registry.recordMiss(peer, 'timeout')
    },
    check() {
      return evidence.check(registry.snapshot().peers)
    },
  }
}

describe('EvidenceTracker', () => {
  it('opens one record once a peer has been OFFLINE for evidenceAfterMs, not before', () => {
    const s = setup()
    s.registry.recordReply(A, 10) // last seen at 10 000
    s.advance(500)
    s.miss(A, 3) // OFFLINE at 10 500
    s.advance(999)
    expect(s.check()).toEqual([])
    expect(s.evidence.open()).toEqual([])
    s.advance(1)
    const opened = s.check()
    expect(opened).toEqual([
      {
        validator: 'validator-a',
        peer: A,
        offlineSince: 10_500,
        lastSeen: 10_000,
        missedPings: 3,
        observer: 'me',
        closedAt: null,
      },
    ])
    s.advance(5000)
    expect(s.check()).toEqual([])
    expect(s.evidence.open()).toHaveLength(1)
  })

  it('keeps missedPings of an open record up to date and closes it when the peer replies', () => {
    const s = setup()
    s.miss(A, 3)
    s.advance(1000)
    s.check()
    s.miss(A, 4)
    s.check()
    expect(s.evidence.open()[0]?.missedPings).toBe(7)
    s.advance(250)
    s.registry.recordReply(A, 5)
    expect(s.evidence.open()).toEqual([])
    expect(s.evidence.closed()).toEqual([
      expect.objectContaining({ peer: A, offlineSince: 10_000, missedPings: 7, closedAt: 11_250 }),
    ])
  })

  it('a peer OFFLINE shorter than the threshold yields nothing', () => {
    const s = setup()
    s.miss(A, 3)
    s.advance(999)
    s.check()
    s.registry.recordReply(A, 5)
    s.advance(5000)
    s.check()
    expect(s.evidence.open()).toEqual([])
    expect(s.evidence.closed()).toEqual([])
  })

  it('an offline period that reached the threshold between two checks still yields a closed record', () => {
    const s = setup()
    s.miss(A, 3)
    s.advance(1500)
    s.registry.recordReply(A, 5) // no check ran while it was OFFLINE
    expect(s.evidence.closed()).toEqual([
      expect.objectContaining({ peer: A, offlineSince: 10_000, closedAt: 11_500 }),
    ])
  })

  it('SLOW never yields evidence, however long', () => {
    const s = setup()
    s.registry.recordReply(A, 5000)
    expect(s.registry.get(A)?.state).toBe('SLOW')
    for (let i = 0; i < 10; i++) {
      s.advance(10_000)
      s.registry.recordReply(A, 5000)
      s.check()
    }
    expect(s.evidence.open()).toEqual([])
    expect(s.evidence.closed()).toEqual([])
  })

  it('forget closes an open record now (the peer left the validator set)', () => {
    const s = setup()
    s.miss(A, 3)
    s.advance(2000)
    s.check()
    s.advance(10)
    s.evidence.forget(A)
    expect(s.evidence.open()).toEqual([])
    expect(s.evidence.closed()[0]).toMatchObject({ peer: A, closedAt: 12_010 })
    s.evidence.forget('never-seen') // no-op
  })

  it('returns copies: callers cannot edit the tracker through them', () => {
    const s = setup()
    s.miss(A, 3)
    s.advance(1000)
    const [opened] = s.check()
    if (opened === undefined) throw new Error('expected a record')
    opened.missedPings = 999
    expect(s.evidence.open()[0]?.missedPings).toBe(3)
  })

  it('keeps at most maxClosedRecords closed records, dropping the oldest', () => {
    const s = setup({ maxClosedRecords: 2 })
    for (const [peer, offFor] of [
      [A, 1000],
      [B, 2000],
      [A, 3000],
    ] as const) {
      s.miss(peer, 3)
      s.advance(offFor)
      s.check()
      s.registry.recordReply(peer, 1)
    }
    expect(s.evidence.closed().map((r) => [r.peer, r.closedAt! - r.offlineSince])).toEqual([
      [B, 2000],
      [A, 3000],
    ])
  })

  it('refuses an empty observer and bad numbers', () => {
    const bad: EvidenceTrackerInit[] = [
      { observer: '' },
      { observer: 'me', evidenceAfterMs: -1 },
      { observer: 'me', maxClosedRecords: 0 },
    ]
    for (const init of bad) {
      expect(() => createEvidenceTracker(init)).toThrow(LivenessError)
    }
    expect(() =>
      createEvidenceTracker({ observer: 'me', evidenceAfterMs: 0, maxClosedRecords: 1 }),
    ).not.toThrow()
  })
})

describe('RedialBackoff', () => {
  it('doubles from initialMs up to maxMs and resets', () => {
    const b = new RedialBackoff({ initialMs: 100, maxMs: 350 })
    expect(b.canDial('p', 0)).toBe(true)
    const waits: number[] = []
    let now = 0
    for (let i = 0; i < 5; i++) {
      b.failed('p', now)
      let wait = 0
      while (!b.canDial('p', now + wait)) wait++
      waits.push(wait)
      now += wait
    }
    expect(waits).toEqual([100, 200, 350, 350, 350])
    b.reset('p')
    expect(b.canDial('p', now)).toBe(true)
  })

  it('stays finite after very many failures', () => {
    const b = new RedialBackoff({ initialMs: 1, maxMs: 60_000 })
    for (let i = 0; i < 2000; i++) b.failed('p', 0)
    expect(b.canDial('p', 59_999)).toBe(false)
    expect(b.canDial('p', 60_000)).toBe(true)
  })

  it('refuses maxMs below initialMs', () => {
    expect(() => new RedialBackoff({ initialMs: 10, maxMs: 9 })).toThrow('redialBackoff.maxMs')
  })
})
