// The built `paraloom` binary as a real process: stdin piping and exit codes.
import { describe, expect, it } from '@jest/globals'
import { vector } from './codec-vectors.js'
import { spawnCli } from './helpers/cli.js'

describe('paraloom codec (spawned process)', () => {
  const vote = vector('vote-precommit-nil')

  it('decodes stdin lines and exits 1 when one fails', async () => {
    const r = await spawnCli(['codec', 'decode', '--type', 'Vote'], {
      stdin: `${vote.hex}\n04000000\n${vote.hex}\n`,
    })
    expect(r.code).toBe(1)
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(out).toEqual([
      vote.value,
      { error: expect.objectContaining({ code: 'InvalidTag' }) },
      vote.value,
    ])
  })

  it('encodes an argument and exits 0', async () => {
    const r = await spawnCli(['codec', 'encode', '--type', 'Vote', JSON.stringify(vote.value)])
    expect(r).toEqual({ code: 0, stdout: `${vote.hex}\n`, stderr: '' })
  })

  it('exits 2 on a usage error', async () => {
    const r = await spawnCli(['codec', 'decode', '--type', 'Vote', '--max-bytes', 'many', vote.hex])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--max-bytes/)
  })
})
