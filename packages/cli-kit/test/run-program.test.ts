import { PassThrough } from 'node:stream'
import { describe, expect, it } from '@jest/globals'
import { Command } from 'commander'
import { ExitCode, routeCommander, runProgram, UsageError } from '../src/index.js'

/** A CLI `tool` whose `run` command sets each code it is given, then does what `--then` says. */
function tool(
  setExitCode: (code: number) => void,
  io: { stdout: PassThrough; stderr: PassThrough },
) {
  const run = new Command('run')
    .argument('[codes...]')
    .option('--then <what>', 'usage | crash | nothing', 'nothing')
    .action((codes: string[], flags: { then: string }) => {
      for (const code of codes) setExitCode(Number(code))
      if (flags.then === 'usage') throw new UsageError('--then usage: as asked')
      if (flags.then === 'crash') throw new Error('crashed')
    })
  return routeCommander(new Command('tool').version('1.2.3').addCommand(run), io)
}

async function runTool(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = { stdout: new PassThrough(), stderr: new PassThrough() }
  let stdout = ''
  let stderr = ''
  io.stdout.on('data', (c: Buffer) => {
    stdout += c.toString()
  })
  io.stderr.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  const code = await runProgram((set) => tool(set, io), argv, io)
  return { code, stdout, stderr }
}

describe('runProgram', () => {
  it('resolves the highest code the commands set', async () => {
    expect((await runTool(['run'])).code).toBe(ExitCode.ok)
    expect((await runTool(['run', '1', '0'])).code).toBe(1)
  })

  it('help and the version are successes', async () => {
    expect(await runTool(['--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Usage: tool /),
    })
    expect(await runTool(['--version'])).toEqual({ code: 0, stdout: '1.2.3\n', stderr: '' })
  })

  it("commander's usage errors and a UsageError are exit 2, the latter one line named after the program", async () => {
    expect((await runTool(['run', '--nope'])).code).toBe(ExitCode.usage)
    expect(await runTool(['run', '--then', 'usage'])).toEqual({
      code: ExitCode.usage,
      stdout: '',
      stderr: 'tool: --then usage: as asked\n',
    })
  })

  it('throws any other error', async () => {
    await expect(runTool(['run', '--then', 'crash'])).rejects.toThrow('crashed')
  })
})
