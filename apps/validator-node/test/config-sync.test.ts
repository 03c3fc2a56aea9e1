// The [sync] table: the state-sync block store's caps, persistence and catch-up on start.
import { describe, expect, it } from '@jest/globals'
import { ConfigError } from '@paraloom/interface'
import { parseConfigText } from '../src/config/index.js'

const parse = (sync: string) =>
  parseConfigText(`network = "devnet"\n[sync]\n${sync}\n`, {}, 'config test.toml', '/etc/paraloom')

function failure(sync: string): ConfigError {
  try {
    parse(sync)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('[sync]', () => {
  it('reads every key', () => {
    const config = parse(
      'max_blocks = 500\nmax_bytes = 2097152\npersist = false\ncatch_up_on_start = true\ncatch_up_batch = 32',
    )
    expect(config.sync).toEqual({
      maxBlocks: 500,
      maxBytes: 2_097_152,
      persist: false,
      catchUpOnStart: true,
      catchUpBatch: 32,
    })
  })

  it('defaults every key when the table is absent', () => {
    expect(parse('').sync).toEqual({
      maxBlocks: 10_000,
      maxBytes: 64 * 1024 * 1024,
      persist: true,
      catchUpOnStart: false,
      catchUpBatch: 256,
    })
  })

  it('accepts the caps at their bounds', () => {
    expect(parse('max_blocks = 1\nmax_bytes = 1048576\ncatch_up_batch = 4096').sync).toMatchObject({
      maxBlocks: 1,
      maxBytes: 1_048_576,
      catchUpBatch: 4096,
    })
  })

  it.each([
    ['an unknown key', 'max_block = 5', 'sync.max_block', /unknown key/],
    ['max_blocks of 0', 'max_blocks = 0', 'sync.max_blocks', /between 1 and/],
    ['max_blocks as a string', 'max_blocks = "5"', 'sync.max_blocks', /expected an integer/],
    ['max_blocks as a float', 'max_blocks = 1.5', 'sync.max_blocks', /expected an integer/],
    // One byte under the largest block (1 MiB): a store that could not hold it.
    ['max_bytes under one block', 'max_bytes = 1048575', 'sync.max_bytes', /between 1048576 and/],
    [
      'persist as a string',
      'persist = "yes"',
      'sync.persist',
      /expected true or false, got a string/,
    ],
    ['catch_up_on_start as 1', 'catch_up_on_start = 1', 'sync.catch_up_on_start', /true or false/],
    [
      'catch_up_batch over 4096',
      'catch_up_batch = 4097',
      'sync.catch_up_batch',
      /between 1 and 4096/,
    ],
  ])('rejects %s, naming the key', (_name, text, key, message) => {
    const err = failure(text)
    expect(err.field).toBe(key)
    expect(err.message).toMatch(message)
  })

  it('rejects a value where the table belongs', () => {
    expect(() => parseConfigText('network = "devnet"\nsync = 3\n', {}, 'x', '/')).toThrow(
      /sync: expected a table/,
    )
  })
})
