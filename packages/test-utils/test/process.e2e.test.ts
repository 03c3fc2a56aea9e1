import { describe, expect, it } from '@jest/globals'
import { childEnv, TestProcess } from '../src/index.js'

/** A Node.js one-liner as a child. */
const script = (source: string) => TestProcess.start(process.execPath, ['-e', source])

describe('TestProcess', () => {
  it('keeps stdout lines and stderr, and reports the exit', async () => {
    const child = script(
      "console.log('one'); console.log('two'); console.error('oops'); process.exit(3)",
    )
    expect(await child.waitForLine(/^two$/)).toBe('two')
    expect(await child.exit(10_000)).toEqual({ code: 3, signal: null })
    expect(child.lines).toEqual(['one', 'two'])
    expect(child.stderr).toBe('oops\n')
    expect(child.running).toBe(false)
  })

  it('waitForLine rejects when the process exits first, quoting its stderr', async () => {
    const child = script("console.error('no config'); process.exit(2)")
    await expect(child.waitForLine(/^ready/)).rejects.toThrow(
      /exited before a line matching .*no config/s,
    )
  })

  it('stop: SIGTERM, then SIGKILL for a process that ignores it', async () => {
    const polite = script("console.log('up'); setInterval(() => {}, 1000)")
    await polite.waitForLine(/^up$/)
    expect(await polite.stop()).toEqual({ code: null, signal: 'SIGTERM' })
    const stubborn = script(
      "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)",
    )
    await stubborn.waitForLine(/^up$/)
    expect(await stubborn.stop(200)).toEqual({ code: null, signal: 'SIGKILL' })
    expect(() => stubborn.kill('SIGTERM')).toThrow(/is not running/)
  })

  it("passes no NODE_OPTIONS (jest's) unless asked", async () => {
    expect(childEnv().NODE_OPTIONS).toBeUndefined()
    expect(childEnv({ NODE_OPTIONS: '--no-warnings' }).NODE_OPTIONS).toBe('--no-warnings')
    const child = script('console.log(JSON.stringify(process.env.NODE_OPTIONS ?? null))')
    expect(await child.waitForLine(/./)).toBe('null')
  })
})

describe('TestProcess of a command that does not exist', () => {
  it('ends at once and says why', async () => {
    const child = TestProcess.start('/nonexistent/paraloom-test-command', [])
    await expect(child.waitForLine(/./)).rejects.toThrow(/ENOENT/)
    expect(child.running).toBe(false)
  })
})
