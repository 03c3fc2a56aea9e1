import { describe, expect, it } from '@jest/globals'
import { ConfigError } from '@paraloom/interface'
import { parseConfigText } from '../src/config/index.js'

const parse = (liveness: string) =>
  parseConfigText(`network = "devnet"\n[liveness]\n${liveness}\n`, {}, 'config t.toml', '/tmp')

describe('[liveness] history_capacity (advanced)', () => {
  it('is absent by default, leaving the p2p default in force', () => {
    expect(parse('').liveness.historyCapacity).toBeUndefined()
  })

  it.each([1, 2, 1_000_000])('takes %i', (n) => {
    expect(parse(`history_capacity = ${n}`).liveness.historyCapacity).toBe(n)
  })

  it.each([
    ['zero', '0', /between 1 and 1000000/],
    ['one over the cap', '1000001', /between 1 and 1000000/],
    ['a string', '"2"', /expected an integer, got a string/],
    ['a fraction', '2.5', /expected an integer/],
  ])('rejects %s, naming the key', (_name, value, message) => {
    let error: unknown
    try {
      parse(`history_capacity = ${value}`)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).field).toBe('liveness.history_capacity')
    expect((error as ConfigError).message).toMatch(message)
  })
})
