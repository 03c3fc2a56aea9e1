import { describe, expect, it } from '@jest/globals'
import { validVectors, vector } from './codec-vectors.js'
import { runCliCapture } from './helpers/cli.js'

const lines = (out: string): string[] => out.split('\n').filter((l) => l !== '')
const parsed = (out: string): unknown[] => lines(out).map((l) => JSON.parse(l))

describe('paraloom codec decode', () => {
  const vote = vector('vote-prevote')

  it('decodes a hex argument to one canonical JSON line', async () => {
    const r = await runCliCapture(['codec', 'decode', '--type', 'Vote', vote.hex])
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(lines(r.stdout)).toEqual([JSON.stringify(vote.value)])
  })

  it('decodes every vector from stdin, one line each, in order', async () => {
    for (const type of new Set(validVectors.map((v) => v.type))) {
      const ofType = validVectors.filter((v) => v.type === type && v.limit === undefined)
      const r = await runCliCapture(
        ['codec', 'decode', '--type', type],
        ofType.map((v) => `${v.hex}\n`).join(''),
      )
      expect(r.code).toBe(0)
      expect(parsed(r.stdout)).toEqual(ofType.map((v) => v.value))
    }
  })

  it('prints an error line for each bad line, keeps going and exits 1', async () => {
    const input = [
      vote.hex,
      vote.hex.slice(0, -2), // truncated
      `${vote.hex}00`, // trailing byte
      'zz',
      'abc',
      `  ${vote.hex}\r`, // surrounding whitespace and CRLF are fine
      '', // an empty payload is truncated
      vote.hex, // final line without a newline
    ].join('\n')
    const r = await runCliCapture(['codec', 'decode', '--type', 'Vote'], input)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('')
    const out = parsed(r.stdout)
    expect(out).toEqual([
      vote.value,
      { error: expect.objectContaining({ code: 'Truncated', offset: 85 }) },
      { error: expect.objectContaining({ code: 'TrailingBytes', offset: 149 }) },
      { error: expect.objectContaining({ code: 'InvalidHex', offset: 0 }) },
      { error: expect.objectContaining({ code: 'InvalidHex', offset: 3 }) },
      vote.value,
      { error: expect.objectContaining({ code: 'Truncated', offset: 0 }) },
      vote.value,
    ])
    for (const line of out) {
      const error = (line as { error?: { message: unknown } }).error
      if (error !== undefined) expect(typeof error.message).toBe('string')
    }
  })

  it('--max-bytes replaces the type cap', async () => {
    const block = vector('block-exactly-at-limit')
    const limit = block.limit!
    const at = await runCliCapture([
      'codec',
      'decode',
      '--type',
      'BlockProposal',
      '--max-bytes',
      String(limit),
      block.hex,
    ])
    expect(at.code).toBe(0)
    const under = await runCliCapture([
      'codec',
      'decode',
      '--type',
      'BlockProposal',
      '--max-bytes',
      String(limit - 1),
      block.hex,
    ])
    expect(under.code).toBe(1)
    expect(parsed(under.stdout)).toEqual([
      { error: expect.objectContaining({ code: 'TooLarge', offset: limit - 1 }) },
    ])
  })

  it('drops an overlong stdin line as TooLarge without buffering it, then goes on', async () => {
    const input = `${'ab'.repeat(10_000)}\n${vote.hex}\n`
    const r = await runCliCapture(
      ['codec', 'decode', '--type', 'Vote', '--max-bytes', '200'],
      input,
    )
    expect(r.code).toBe(1)
    expect(parsed(r.stdout)).toEqual([
      { error: expect.objectContaining({ code: 'TooLarge', offset: 200 }) },
      vote.value,
    ])
  })

  it('prints nothing and exits 0 for empty stdin', async () => {
    expect(await runCliCapture(['codec', 'decode', '--type', 'Vote'])).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    })
  })
})

describe('paraloom codec encode', () => {
  const request = vector('sync-request')

  it('encodes a JSON argument to lowercase hex', async () => {
    const r = await runCliCapture([
      'codec',
      'encode',
      '--type',
      'StateSyncRequest',
      JSON.stringify(request.value),
    ])
    expect(r).toEqual({ code: 0, stdout: `${request.hex}\n`, stderr: '' })
  })

  it('encodes every vector from stdin, one line each', async () => {
    for (const type of new Set(validVectors.map((v) => v.type))) {
      const ofType = validVectors.filter((v) => v.type === type)
      const r = await runCliCapture(
        ['codec', 'encode', '--type', type],
        ofType.map((v) => `${JSON.stringify(v.value)}\n`).join(''),
      )
      expect(r.code).toBe(0)
      expect(lines(r.stdout)).toEqual(ofType.map((v) => v.hex))
    }
  })

  it('prints error lines for bad JSON and bad shapes, keeps going and exits 1', async () => {
    const good = JSON.stringify(request.value)
    const badShape = JSON.stringify({ ...(request.value as object), max_blocks: -1 })
    const input = ['{not json', badShape, good, '[]'].join('\n')
    const r = await runCliCapture(['codec', 'encode', '--type', 'StateSyncRequest'], input)
    expect(r.code).toBe(1)
    const out = lines(r.stdout)
    expect(JSON.parse(out[0]!)).toEqual({ error: expect.objectContaining({ code: 'InvalidJson' }) })
    expect(JSON.parse(out[1]!)).toEqual({
      error: expect.objectContaining({ code: 'InvalidValue', path: '$.max_blocks' }),
    })
    expect(out[2]).toBe(request.hex)
    expect(JSON.parse(out[3]!)).toEqual({
      error: expect.objectContaining({ code: 'InvalidValue', path: '$' }),
    })
  })

  it('decode reads back what encode wrote', async () => {
    const values = validVectors.filter((v) => v.type === 'WithdrawalProofResponse')
    const encoded = await runCliCapture(
      ['codec', 'encode', '--type', 'WithdrawalProofResponse'],
      values.map((v) => JSON.stringify(v.value)).join('\n'),
    )
    const decoded = await runCliCapture(
      ['codec', 'decode', '--type', 'WithdrawalProofResponse'],
      encoded.stdout,
    )
    expect(parsed(decoded.stdout)).toEqual(values.map((v) => v.value))
  })
})

describe('paraloom codec usage errors', () => {
  it.each([
    [
      ['codec', 'decode', '--type', 'Nope', '00'],
      /--type: unknown wire type "Nope"; use one of .*Vote/,
    ],
    [['codec', 'encode', '--type', 'Nope', '{}'], /--type: unknown wire type/],
    [['codec', 'decode', '--type', 'Vote', '--max-bytes', 'abc', '00'], /--max-bytes: expected/],
    [['codec', 'decode', '--type', 'Vote', '--max-bytes', '-1', '00'], /./],
    [['codec', 'decode', '--type', 'Vote', '--max-bytes', '1.5', '00'], /--max-bytes/],
    [['codec', 'decode', '--type', 'Vote', '--max-bytes', '99999999999', '00'], /--max-bytes/],
    [['codec', 'decode', '00'], /--type/],
    [['codec', 'decode', '--type', 'Vote', '--bogus'], /--bogus/],
    [['codec', 'decode', '--type', 'Vote', 'aa', 'bb'], /too many arguments|excess/i],
  ])('%j exits 2 with a message on stderr', async (argv, message) => {
    const r = await runCliCapture(argv)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(message)
  })

  it('an unknown --type is one line on stderr', async () => {
    const r = await runCliCapture(['codec', 'decode', '--type', 'Nope', '00'])
    expect(lines(r.stderr)).toHaveLength(1)
  })

  it.each([
    [['codec', '--help'], /decode/],
    [['codec', 'decode', '--help'], /--max-bytes/],
    [['codec', 'encode', '--help'], /--type/],
  ])('%j prints help and exits 0', async (argv, text) => {
    const r = await runCliCapture(argv)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(text)
  })
})
