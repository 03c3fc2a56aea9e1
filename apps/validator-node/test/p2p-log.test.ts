import { PassThrough } from 'node:stream'
import { describe, expect, it } from '@jest/globals'
import { createLogger } from '@paraloom/cli-kit'
import { formatLine, p2pComponentLogger } from '../src/node/p2p-log.js'

function capture(level: 'info' | 'debug') {
  const out = new PassThrough()
  const lines: Record<string, unknown>[] = []
  out.on('data', (c: Buffer) => {
    for (const l of c.toString().trim().split('\n')) lines.push(JSON.parse(l))
  })
  return { logger: createLogger({ out, level }), lines }
}

describe('p2p logs in the validator log', () => {
  it("paraloom components' errors are warn lines naming the component; their chatter is debug only", () => {
    // The p2p node takes the node's logger as it is and names its parts with forComponent.
    const { logger, lines } = capture('info')
    const log = logger.forComponent('paraloom:p2p').forComponent('discovery')
    log.debug('round', { round: 3 })
    log.warn('lookup failed', { validator: 'Val1', error: 'timeout' })
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'lookup failed',
        component: 'paraloom:p2p:discovery',
        validator: 'Val1',
        error: 'timeout',
      }),
    ])
  })

  it("libp2p's scopes are named under their component, as the node's own are", () => {
    const { logger, lines } = capture('debug')
    const log = p2pComponentLogger({ logger, debug: true }).forComponent('libp2p:dialer')
    log.newScope('queue').error('queue full')
    expect(log.enabled).toBe(false)
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'queue full', component: 'libp2p:dialer:queue' }),
    ])
  })

  it("libp2p's own errors appear only at debug; its chatter never", () => {
    const quiet = capture('info')
    const loud = capture('debug')
    for (const { logger } of [quiet, loud]) {
      const log = p2pComponentLogger({ logger, debug: logger === loud.logger }).forComponent(
        'libp2p:dialer',
      )
      log('dialing %a', '/ip4/1.2.3.4/tcp/1')
      log.trace('trace')
      log.error('dial failed %e', new Error('refused'))
    }
    expect(quiet.lines).toEqual([])
    expect(loud.lines).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'dial failed refused' }),
    ])
  })

  it.each([
    ['%s and %d', ['a', 1], 'a and 1'],
    ['100%% of %p', ['peer'], '100% of peer'],
    ['missing %s %s', ['one'], 'missing one %s'],
    ['extra', ['x', 2], 'extra x 2'],
    ['bytes %b', [new Uint8Array([1, 255])], 'bytes 01ff'],
    ['obj %o', [{ a: 1n }], 'obj {"a":"1"}'],
  ])('formatLine(%j) is %j', (formatter, args, text) => {
    expect(formatLine(formatter, args)).toBe(text)
  })

  it('a non-string formatter and a cyclic object still format', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(formatLine(new Error('boom'), [cyclic])).toBe('boom [object Object]')
  })
})
