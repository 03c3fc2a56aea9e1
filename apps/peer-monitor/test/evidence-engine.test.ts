import { describe, expect, it } from '@jest/globals'
import {
  createEvidenceEngine,
  type EvidenceEngine,
  evidenceDurationMs,
  type PeerView,
} from '../src/engine/evidence-engine.js'
import { PeerState } from '../src/states.js'

const S = 1000
const THRESHOLD = 30 * S

/** An engine on a fake clock; `at(ms)` moves the clock and evaluates. */
function setup(init: { quorum?: number } = {}) {
  let now = 0
  const engine = createEvidenceEngine({ ...init, offlineThresholdMs: THRESHOLD, clock: () => now })
  const at = (ms: number) => {
    now = ms
    return engine.evaluate()
  }
  const go = (observer: string, validator: string, to: PeerState, atMs: number, misses = 0) =>
    engine.applyTransition(observer, { validator, toState: to, atMs, consecutiveMisses: misses })
  return { engine, at, go }
}

const view = (validator: string, state: PeerState, sinceMs: number, misses = 0): PeerView => ({
  validator,
  state,
  sinceMs,
  lastSeenMs: state === PeerState.OFFLINE ? sinceMs - 15 * S : sinceMs,
  consecutiveMisses: misses,
})

/** Live observers that all see every validator CONNECTED since 0. */
function liveObservers(engine: EvidenceEngine, observers: string[], validators: string[]) {
  for (const o of observers) {
    engine.replaceView(
      o,
      validators.filter((v) => v !== o).map((v) => view(v, PeerState.CONNECTED, 0)),
    )
  }
}

describe('evidence engine', () => {
  it('opens one record when a quorum has seen the validator offline for the threshold', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B', 'C'], ['A', 'B', 'C', 'V'])
    go('A', 'V', PeerState.OFFLINE, 10 * S, 3)
    go('B', 'V', PeerState.OFFLINE, 12 * S, 3)
    go('C', 'V', PeerState.OFFLINE, 14 * S, 4)
    expect(at(41 * S)).toEqual([]) // B has only 29 s
    const opened = at(42 * S)
    expect(opened).toHaveLength(1)
    expect(opened[0]).toMatchObject({
      validator: 'V',
      offlineSinceMs: 10 * S,
      openedAtMs: 42 * S,
      closedAtMs: null,
      missedPings: 4,
      observers: ['A', 'B', 'C'],
    })
    expect(at(50 * S)).toEqual([]) // unchanged: no duplicate record
    expect(engine.openRecords()).toHaveLength(1)
    expect(evidenceDurationMs(opened[0]!, 50 * S)).toBe(40 * S)
  })

  it('does not open on one observer alone, however long', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    go('A', 'V', PeerState.OFFLINE, 0, 3)
    expect(at(3600 * S)).toEqual([])
  })

  it('respects a larger quorum', () => {
    const { engine, at, go } = setup({ quorum: 3 })
    liveObservers(engine, ['A', 'B', 'C'], ['A', 'B', 'C', 'V'])
    go('A', 'V', PeerState.OFFLINE, 0, 3)
    go('B', 'V', PeerState.OFFLINE, 0, 3)
    expect(at(100 * S)).toEqual([])
    go('C', 'V', PeerState.OFFLINE, 100 * S, 3)
    expect(at(129 * S)).toEqual([])
    expect(at(130 * S)).toHaveLength(1)
  })

  it('disjoint offline intervals never make evidence', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    go('A', 'V', PeerState.OFFLINE, 0, 3)
    expect(at(40 * S)).toEqual([])
    go('A', 'V', PeerState.CONNECTED, 40 * S)
    go('B', 'V', PeerState.OFFLINE, 50 * S, 3)
    expect(at(90 * S)).toEqual([])
    expect(engine.openRecords()).toEqual([])
  })

  it('overlapping intervals count only once the overlap lasts the threshold', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    go('A', 'V', PeerState.OFFLINE, 0, 3)
    go('B', 'V', PeerState.OFFLINE, 20 * S, 3)
    expect(at(49 * S)).toEqual([])
    expect(at(50 * S)).toHaveLength(1)
  })

  it('a flapping validator (offline shorter than the threshold each time) makes no evidence', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    for (let round = 0; round < 10; round++) {
      const t = round * 40 * S
      go('A', 'V', PeerState.OFFLINE, t, 3)
      go('B', 'V', PeerState.OFFLINE, t, 3)
      expect(at(t + 25 * S)).toEqual([])
      go('A', 'V', PeerState.CONNECTED, t + 25 * S)
      go('B', 'V', PeerState.CONNECTED, t + 25 * S)
      expect(at(t + 39 * S)).toEqual([])
    }
  })

  it('SLOW never produces evidence', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B', 'C'], ['A', 'B', 'C', 'V'])
    for (const o of ['A', 'B', 'C']) go(o, 'V', PeerState.SLOW, 0)
    expect(at(24 * 3600 * S)).toEqual([])
  })

  it('closes when the validator comes back for enough observers', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B', 'C'], ['A', 'B', 'C', 'V'])
    for (const o of ['A', 'B', 'C']) go(o, 'V', PeerState.OFFLINE, 0, 3)
    expect(at(30 * S)).toHaveLength(1)
    go('A', 'V', PeerState.CONNECTED, 60 * S)
    expect(at(61 * S)).toEqual([]) // B and C still form a quorum
    go('B', 'V', PeerState.CONNECTED, 62 * S)
    const closed = at(63 * S)
    expect(closed).toHaveLength(1)
    expect(closed[0]).toMatchObject({ closedAtMs: 62 * S, observers: ['A', 'B', 'C'] })
    expect(evidenceDurationMs(closed[0]!, 1e9)).toBe(62 * S)
    expect(engine.openRecords()).toEqual([])
    // A second outage is a second record.
    go('A', 'V', PeerState.OFFLINE, 100 * S, 3)
    go('B', 'V', PeerState.OFFLINE, 100 * S, 3)
    const again = at(130 * S)
    expect(again).toHaveLength(1)
    expect(again[0]!.id).not.toBe(closed[0]!.id)
  })

  it('an isolated observer that sees everyone offline accuses no one; the majority accuses it', () => {
    const { engine, at, go } = setup()
    const all = ['A', 'B', 'C', 'D']
    liveObservers(engine, all, all)
    for (const v of ['B', 'C', 'D']) go('A', v, PeerState.OFFLINE, 0, 3)
    for (const o of ['B', 'C', 'D']) go(o, 'A', PeerState.OFFLINE, 0, 3)
    const records = at(60 * S)
    expect(records.map((r) => r.validator)).toEqual(['A'])
    expect(records[0]!.observers).toEqual(['B', 'C', 'D'])
  })

  it('an observer never counts for itself', () => {
    const { engine, at } = setup()
    engine.replaceView('V', [view('V', PeerState.OFFLINE, 0)])
    engine.replaceView('A', [view('V', PeerState.OFFLINE, 0)])
    expect(at(60 * S)).toEqual([])
  })

  it('an observer with a gap does not confirm until it is live again', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    go('A', 'V', PeerState.OFFLINE, 0, 3)
    go('B', 'V', PeerState.OFFLINE, 0, 3)
    engine.setLive('B', false) // B's stream dropped / reported a gap
    expect(at(60 * S)).toEqual([])
    // B's fresh snapshot after the gap: still OFFLINE since 0, by the node's own clock.
    engine.replaceView('B', [view('V', PeerState.OFFLINE, 0, 5)])
    const opened = at(61 * S)
    expect(opened).toHaveLength(1)
    expect(opened[0]).toMatchObject({ missedPings: 5, observers: ['A', 'B'] })
  })

  it('a disconnected observer keeps an open record open but is not added to it', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B', 'C'], ['A', 'B', 'C', 'V'])
    go('A', 'V', PeerState.OFFLINE, 0, 3)
    go('B', 'V', PeerState.OFFLINE, 0, 3)
    expect(at(30 * S)[0]!.observers).toEqual(['A', 'B'])
    engine.setLive('B', false)
    go('C', 'V', PeerState.OFFLINE, 31 * S, 3)
    go('A', 'V', PeerState.CONNECTED, 40 * S)
    // B and C still see it offline (B as last known): open, C joins.
    expect(at(41 * S)[0]).toMatchObject({ closedAtMs: null, observers: ['A', 'B', 'C'] })
  })

  it('a snapshot that drops the validator counts as not offline', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    go('A', 'V', PeerState.OFFLINE, 0, 3)
    go('B', 'V', PeerState.OFFLINE, 0, 3)
    expect(at(30 * S)).toHaveLength(1)
    engine.replaceView('B', [])
    expect(at(31 * S)[0]!.closedAtMs).toBe(31 * S)
  })

  it('restores open records and continues their ids', () => {
    let now = 100 * S
    const restored = {
      id: 7,
      validator: 'V',
      offlineSinceMs: 0,
      openedAtMs: 30 * S,
      lastSeenMs: null,
      closedAtMs: null,
      missedPings: 3,
      observers: ['A', 'B'],
    }
    const engine = createEvidenceEngine({
      restore: { open: [restored], lastId: 9 },
      clock: () => now,
    })
    expect(engine.openRecords()).toEqual([restored])
    engine.replaceView('A', [view('V', PeerState.CONNECTED, 90 * S)])
    engine.replaceView('B', [view('V', PeerState.CONNECTED, 95 * S)])
    expect(engine.evaluate()).toEqual([{ ...restored, closedAtMs: 95 * S }])
    engine.replaceView('A', [view('W', PeerState.OFFLINE, 0)])
    engine.replaceView('B', [view('W', PeerState.OFFLINE, 0)])
    now = 200 * S
    expect(engine.evaluate()[0]!.id).toBe(10)
  })

  it("an outage replayed in one burst, after it ended, becomes one closed record in the observers' time", () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B', 'C'], ['A', 'B', 'C', 'V'])
    // The monitor was down from 5 s to 500 s; each stream replays OFFLINE and CONNECTED at once.
    go('A', 'V', PeerState.OFFLINE, 10 * S, 3)
    go('A', 'V', PeerState.CONNECTED, 100 * S)
    expect(at(500 * S)).toEqual([])
    go('B', 'V', PeerState.OFFLINE, 20 * S, 4)
    go('B', 'V', PeerState.CONNECTED, 90 * S)
    const records = at(501 * S)
    expect(records).toEqual([
      {
        id: 1,
        validator: 'V',
        offlineSinceMs: 10 * S,
        openedAtMs: 50 * S,
        closedAtMs: 90 * S,
        lastSeenMs: 0,
        missedPings: 4,
        observers: ['A', 'B'],
      },
    ])
    expect(engine.openRecords()).toEqual([])
    // Judged once: C's late replay of the same stretch adds no second record.
    go('C', 'V', PeerState.OFFLINE, 15 * S, 3)
    go('C', 'V', PeerState.CONNECTED, 80 * S)
    expect(at(502 * S)).toEqual([])
  })

  it('evaluating late gives the same record as evaluating on time', () => {
    const onTime = setup()
    const late = setup()
    for (const { engine } of [onTime, late]) liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    for (const { go } of [onTime, late]) {
      go('A', 'V', PeerState.OFFLINE, 0, 3)
      go('B', 'V', PeerState.OFFLINE, 0, 3)
    }
    const opened = onTime.at(30 * S)
    for (const { go } of [onTime, late]) {
      go('A', 'V', PeerState.CONNECTED, 40 * S)
      go('B', 'V', PeerState.CONNECTED, 40 * S)
    }
    const closed = onTime.at(41 * S)
    expect(opened[0]).toMatchObject({ openedAtMs: 30 * S, closedAtMs: null })
    expect(late.at(41 * S)).toEqual(closed)
  })

  it('a short overlap in replayed history makes no evidence', () => {
    const { engine, at, go } = setup()
    liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    go('A', 'V', PeerState.OFFLINE, 0, 3)
    go('A', 'V', PeerState.CONNECTED, 100 * S)
    go('B', 'V', PeerState.OFFLINE, 75 * S, 3)
    go('B', 'V', PeerState.CONNECTED, 200 * S)
    expect(at(300 * S)).toEqual([])
  })

  it('decides from closed intervals restored from storage, after what was already judged', () => {
    const interval = (observer: string, startS: number, endS: number) => ({
      observer,
      validator: 'V',
      startMs: startS * S,
      endMs: endS * S,
      consecutiveMisses: 3,
      lastSeenMs: null,
    })
    const engine = createEvidenceEngine({
      offlineThresholdMs: THRESHOLD,
      clock: () => 1000 * S,
      restore: {
        open: [],
        lastId: 4,
        // A stretch before 100 s was already judged (record 4); one after it was not.
        judgedUntil: [{ validator: 'V', untilMs: 100 * S }],
        intervals: [
          interval('A', 0, 90),
          interval('B', 0, 95),
          interval('A', 200, 300),
          interval('B', 210, 300),
        ],
      },
    })
    expect(engine.evaluate()).toMatchObject([
      { id: 5, validator: 'V', openedAtMs: 240 * S, closedAtMs: 300 * S, observers: ['A', 'B'] },
    ])
    expect(engine.evaluate()).toEqual([])
  })

  it('keeps at most maxIntervalsPerPeer closed intervals per observer and validator', () => {
    let now = 0
    const engine = createEvidenceEngine({
      offlineThresholdMs: THRESHOLD,
      maxIntervalsPerPeer: 2,
      clock: () => now,
    })
    liveObservers(engine, ['A', 'B'], ['A', 'B', 'V'])
    const go = (o: string, to: PeerState, atS: number) =>
      engine.applyTransition(o, {
        validator: 'V',
        toState: to,
        atMs: atS * S,
        consecutiveMisses: 3,
      })
    // A's long interval comes first and is pushed out by two short ones before B's arrives.
    go('A', PeerState.OFFLINE, 0)
    go('A', PeerState.CONNECTED, 100)
    for (const t of [200, 300]) {
      go('A', PeerState.OFFLINE, t)
      go('A', PeerState.CONNECTED, t + 1)
    }
    go('B', PeerState.OFFLINE, 0)
    go('B', PeerState.CONNECTED, 100)
    now = 1000 * S
    expect(engine.evaluate()).toEqual([])
  })

  it('bounds observers and views', () => {
    const engine = createEvidenceEngine({ maxObservers: 1, maxValidatorsPerObserver: 2 })
    expect(
      engine.replaceView(
        'A',
        ['V', 'W', 'X'].map((v) => view(v, PeerState.OFFLINE, 0)),
      ),
    ).toBe(true)
    expect(engine.replaceView('B', [])).toBe(false)
    expect(
      engine.applyTransition('A', {
        validator: 'Y',
        toState: 'OFFLINE',
        atMs: 0,
        consecutiveMisses: 3,
      }),
    ).toBe(false)
  })

  it.each([
    ['quorum', { quorum: 1 }],
    ['quorum', { quorum: 2.5 }],
    ['offlineThresholdMs', { offlineThresholdMs: -1 }],
    ['maxObservers', { maxObservers: 0 }],
    ['maxIntervalsPerPeer', { maxIntervalsPerPeer: 0 }],
  ])('rejects a bad %s', (name, init) => {
    expect(() => createEvidenceEngine(init)).toThrow(
      expect.objectContaining({ name: 'ConfigError' }),
    )
    expect(() => createEvidenceEngine(init)).toThrow(name)
  })
})
