import { describe, expect, it } from '@jest/globals'
import { RedialBackoff } from '../src/liveness/redial-backoff.js'

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
