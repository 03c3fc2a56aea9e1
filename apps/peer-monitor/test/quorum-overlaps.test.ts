import { describe, expect, it } from '@jest/globals'
import { type OfflineInterval, quorumOverlaps } from '../src/engine/quorum-overlaps.js'

const S = 1000
const rule = { quorum: 2, thresholdMs: 30 * S, nowMs: 1000 * S }

const off = (
  observer: string,
  startS: number,
  endS: number | null,
  extra: Partial<OfflineInterval> = {},
): OfflineInterval => ({
  observer,
  startMs: startS * S,
  endMs: endS === null ? null : endS * S,
  consecutiveMisses: 3,
  lastSeenMs: null,
  ...extra,
})

describe('quorumOverlaps', () => {
  it.each<[string, OfflineInterval[], Array<[number, number | null]>]>([
    ['no intervals', [], []],
    ['one observer, however long', [off('A', 0, null)], []],
    [
      'two observers, overlap exactly the threshold',
      [off('A', 0, 60), off('B', 20, 60)],
      [[50, 60]],
    ],
    ['two observers, overlap 1 ms short', [off('A', 0, 60), off('B', 30.001, 60)], []],
    ['disjoint', [off('A', 0, 40), off('B', 50, 90)], []],
    ['still open at now', [off('A', 0, null), off('B', 10, null)], [[40, null]]],
    ['the same observer twice is one observer', [off('A', 0, 100), off('A', 0, 100)], []],
    [
      'closes when fewer than the quorum are offline, not when fewer confirm',
      [off('A', 0, 100), off('B', 0, 50), off('C', 45, 80)],
      [[30, 80]],
    ],
    [
      'two separate outages are two overlaps',
      [off('A', 0, 40), off('B', 0, 40), off('A', 100, 140), off('B', 100, 150)],
      [
        [30, 40],
        [130, 140],
      ],
    ],
    ['nothing after now is decided', [off('A', 980, null), off('B', 980, null)], []],
  ])('%s', (_name, intervals, expected) => {
    expect(
      quorumOverlaps(intervals, rule).map((o) => [
        o.openedAtMs / S,
        o.closedAtMs === null ? null : o.closedAtMs / S,
      ]),
    ).toEqual(expected)
  })

  it('respects a larger quorum', () => {
    const intervals = [off('A', 0, 100), off('B', 0, 100)]
    expect(quorumOverlaps(intervals, { ...rule, quorum: 3 })).toEqual([])
    expect(quorumOverlaps([...intervals, off('C', 50, 90)], { ...rule, quorum: 3 })).toMatchObject([
      { openedAtMs: 80 * S, closedAtMs: 90 * S },
    ])
  })

  it('describes the overlap from every interval that touches it', () => {
    const [overlap] = quorumOverlaps(
      [
        off('A', 10, 70, { consecutiveMisses: 3, lastSeenMs: 5 * S }),
        off('B', 20, 80, { consecutiveMisses: 5, lastSeenMs: 8 * S }),
        off('C', 65, 75, { consecutiveMisses: 9, lastSeenMs: 66 * S }), // a reply after its start is not "before"
        off('D', 0, 10, { consecutiveMisses: 99 }), // ended before the quorum was reached
      ],
      rule,
    )
    expect(overlap).toEqual({
      offlineSinceMs: 10 * S,
      openedAtMs: 50 * S,
      closedAtMs: 75 * S,
      observers: ['A', 'B', 'C'],
      missedPings: 9,
      lastSeenMs: 8 * S,
    })
  })
})
