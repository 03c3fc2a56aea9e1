import { describe, expect, it } from '@jest/globals'
import { timelineRows } from '../src/http/state.js'
import type { TimelineRow, ViewRow } from '../src/store/store.js'

const view = (state: ViewRow['state'], sinceMs: number): ViewRow => ({
  address: 'a:1',
  peerId: 'p',
  validator: 'V',
  state,
  sinceMs,
  lastSeenMs: null,
  consecutiveMisses: 0,
  rttMs: null,
})
const t = (from: ViewRow['state'], to: ViewRow['state'], atMs: number): TimelineRow => ({
  address: 'a:1',
  incarnation: 'i',
  sequence: atMs,
  peerId: 'p',
  validator: 'V',
  fromState: from,
  toState: to,
  atMs,
  rttMs: null,
  consecutiveMisses: 0,
  reason: 'x',
})

describe('timelineRows', () => {
  it('cuts a bar into one segment per state between transitions', () => {
    const rows = timelineRows(
      [view('CONNECTED', 70)],
      [t('CONNECTED', 'OFFLINE', 20), t('OFFLINE', 'CONNECTED', 70)],
      0,
      100,
    )
    expect(rows).toEqual([
      {
        validator: 'V',
        address: 'a:1',
        segments: [
          { state: 'CONNECTED', fromMs: 0, toMs: 20 },
          { state: 'OFFLINE', fromMs: 20, toMs: 70 },
          { state: 'CONNECTED', fromMs: 70, toMs: 100 },
        ],
      },
    ])
  })

  it('without transitions: unknown until the view began, then its state', () => {
    expect(timelineRows([view('SLOW', 40)], [], 0, 100)[0]!.segments).toEqual([
      { state: 'UNKNOWN', fromMs: 0, toMs: 40 },
      { state: 'SLOW', fromMs: 40, toMs: 100 },
    ])
    expect(timelineRows([view('SLOW', -50)], [], 0, 100)[0]!.segments).toEqual([
      { state: 'SLOW', fromMs: 0, toMs: 100 },
    ])
  })
})
