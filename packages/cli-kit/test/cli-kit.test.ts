import { PassThrough } from 'node:stream'
import { describe, expect, it } from '@jest/globals'
import { ConfigError, type Logger, ParaloomError } from '@paraloom/interface'
import { createLogger, integerFlag, isUsageError, parseHostPort, UsageError } from '../src/index.js'

function capture(): { out: PassThrough; lines: () => string[] } {
  const out = new PassThrough()
  const chunks: string[] = []
  out.on('data', (c: Buffer) => chunks.push(c.toString()))
  return { out, lines: () => chunks.join('').split('\n').filter(Boolean) }
}

describe('createLogger', () => {
  const clock = () => Date.UTC(2026, 10, 25, 12, 0, 0)

  it('writes one JSON object per line with bigint, bytes and errors made plain', () => {
    const { out, lines } = capture()
    const log = createLogger({ out, clock }).child({ node: 'v1' })
    log.info('started', {
      height: 2n ** 64n - 1n,
      key: new Uint8Array([0xab, 0x01]),
      err: new RangeError('bad'),
    })
    expect(JSON.parse(lines()[0]!)).toEqual({
      time: '2026-11-25T12:00:00.000Z',
      level: 'info',
      msg: 'started',
      node: 'v1',
      height: '18446744073709551615',
      key: 'ab01',
      err: { name: 'RangeError', message: 'bad' },
    })
  })

  it('logs one of our errors with its code and metadata', () => {
    const { out, lines } = capture()
    const err = new ConfigError({ code: 'InvalidOption', field: 'x' }, 'bad', {
      cause: new Error('inner'),
    })
    createLogger({ out, clock }).error('failed', { err })
    expect(JSON.parse(lines()[0]!).err).toEqual({
      name: 'ConfigError',
      code: 'InvalidOption',
      message: 'x: bad',
      field: 'x',
      cause: { name: 'Error', message: 'inner' },
    })
  })

  it('drops lines below its level', () => {
    const { out, lines } = capture()
    const log = createLogger({ out, clock, level: 'warn' })
    log.debug('a')
    log.info('b')
    log.warn('c')
    log.error('d')
    expect(lines().map((l) => JSON.parse(l).msg)).toEqual(['c', 'd'])
  })

  it('names each component under its parent, keeping the fields bound before', () => {
    const { out, lines } = capture()
    const root = createLogger({ out, clock })
    const p2p = root.forComponent('paraloom:p2p')
    p2p.forComponent('discovery').warn('round failed', { error: 'timeout' })
    p2p.info('started')
    root.child({ node: 'v1' }).forComponent('registry').debug('dropped: below the level')
    root.child({ node: 'v1' }).forComponent('registry').warn('cache ignored')
    expect(lines().map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'round failed',
        component: 'paraloom:p2p:discovery',
        error: 'timeout',
      }),
      expect.objectContaining({ level: 'info', msg: 'started', component: 'paraloom:p2p' }),
      expect.objectContaining({ msg: 'cache ignored', node: 'v1', component: 'registry' }),
    ])
  })

  it('is the shared Logger: a component typed against the contract takes it as is', () => {
    const { out, lines } = capture()
    const component = (logger: Logger): void => logger.forComponent('gossip').info('hello')
    component(createLogger({ out, clock }))
    expect(JSON.parse(lines()[0]!)).toMatchObject({ msg: 'hello', component: 'gossip' })
  })

  it('writes readable text for a terminal, quoting values with spaces', () => {
    const { out, lines } = capture()
    createLogger({ out, clock, format: 'text' }).warn('peer slow', { peer: 'a b', rttMs: 812 })
    expect(lines()[0]).toBe('2026-11-25T12:00:00.000Z WARN  peer slow peer="a b" rttMs=812')
  })
})

describe('flag parsers', () => {
  it.each([
    ['127.0.0.1:50051', { host: '127.0.0.1', port: 50051 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
  ])('parses %s', (text, expected) => {
    expect(parseHostPort('--listen', text)).toEqual(expected)
  })

  it.each([
    '127.0.0.1',
    ':80',
    '127.0.0.1:65536',
    '127.0.0.1:0',
    'a b:80',
    '[::1:80',
    '',
  ])('rejects %j naming the flag', (text) => {
    expect(() => parseHostPort('--listen', text)).toThrow(UsageError)
    expect(() => parseHostPort('--listen', text)).toThrow(/^--listen must be HOST:PORT/)
  })

  it('accepts port 0 only when asked to', () => {
    expect(parseHostPort('--http', '127.0.0.1:0', 0)).toEqual({ host: '127.0.0.1', port: 0 })
  })

  it('parses integers within bounds only', () => {
    const quorum = integerFlag('--quorum', 1, 64)
    expect(quorum('1')).toBe(1)
    expect(quorum('64')).toBe(64)
    for (const bad of ['0', '65', '1.5', 'two', '', '9007199254740993'])
      expect(() => quorum(bad)).toThrow(/^--quorum must be an integer from 1 to 64/)
  })
})

describe('isUsageError', () => {
  it("is true for a UsageError and for any package's ConfigError, false otherwise", () => {
    expect(isUsageError(new UsageError('--x: bad'))).toBe(true)
    expect(isUsageError(new ConfigError({ code: 'InvalidOption', field: 'x' }, 'bad'))).toBe(true)
    expect(isUsageError(new ParaloomError({ code: 'Other' }))).toBe(false)
    expect(isUsageError(new Error('x'))).toBe(false)
    expect(isUsageError('ConfigError')).toBe(false)
    expect(isUsageError(undefined)).toBe(false)
  })
})
