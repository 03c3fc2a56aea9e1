// ChildProcesses with real child processes: prefixed output and log files,
// unexpected exits, SIGTERM then SIGKILL, spawn failures.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { DevnetError } from '../src/errors.js'
import { ChildProcesses, type ExitInfo } from '../src/processes.js'
import { isAlive } from './faults/helpers/cluster.js'

let dir: string
let children: ChildProcesses | undefined
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devnet-processes-'))
})
afterEach(async () => {
  await children?.stopAll({ graceMs: 1000 })
  children = undefined
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function node(name: string, script: string) {
  return {
    name,
    command: process.execPath,
    args: ['-e', script],
    logPath: join(dir, `${name}.log`),
  }
}

/** A ChildProcesses that records what it prints and every unexpected exit. */
function recorder() {
  const printed: string[] = []
  const exits: Array<{
    name: string
    exit: ExitInfo
    lastLines: readonly string[]
    logPath: string
  }> = []
  children = new ChildProcesses({
    print: (l) => printed.push(l),
    onUnexpectedExit: (name, exit, lastLines, logPath) =>
      exits.push({ name, exit, lastLines, logPath }),
    tailLines: 3,
  })
  return { children, printed, exits }
}

describe('ChildProcesses', () => {
  it('prefixes every line of stdout and stderr and appends it all to the log file', async () => {
    const { children, printed, exits } = recorder()
    await children.start(
      node('talker', "console.log('one'); console.error('two'); process.stdout.write('three')"),
    )
    await children.exited('talker')
    expect(printed.sort()).toEqual(['[talker] one', '[talker] three', '[talker] two'])
    const log = await readFile(join(dir, 'talker.log'), 'utf8')
    expect(log).toContain('one\n')
    expect(log).toContain('two\n')
    expect(exits).toHaveLength(1) // it ended on its own
  })

  it('reports a child that dies on its own with its code, last lines and log file', async () => {
    const { children, exits } = recorder()
    await children.start(
      node('crasher', "for (let i = 1; i <= 5; i++) console.log('line ' + i); process.exit(3)"),
    )
    await children.exited('crasher')
    expect(exits).toEqual([
      {
        name: 'crasher',
        exit: { code: 3, signal: null },
        lastLines: ['line 3', 'line 4', 'line 5'],
        logPath: join(dir, 'crasher.log'),
      },
    ])
    expect(children.has('crasher')).toBe(false)
  })

  it('stops a child with SIGTERM without calling it unexpected', async () => {
    const { children, exits } = recorder()
    const pid = await children.start(node('sleeper', 'setInterval(() => {}, 1000)'))
    expect(isAlive(pid)).toBe(true)
    expect(children.pids().get('sleeper')).toBe(pid)
    await children.stop(['sleeper'])
    expect(isAlive(pid)).toBe(false)
    expect(exits).toEqual([])
    expect(children.pids().size).toBe(0)
  })

  it('SIGKILLs a child that ignores SIGTERM once the grace period is over', async () => {
    const { children, printed } = recorder()
    const pid = await children.start(
      node(
        'stubborn',
        "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000)",
      ),
    )
    while (!printed.includes('[stubborn] up')) await delay(20)
    const started = Date.now()
    await children.stop(['stubborn'], { graceMs: 300 })
    const tookMs = Date.now() - started
    console.info(`stubborn child stopped after ${tookMs} ms (grace 300 ms)`)
    expect(isAlive(pid)).toBe(false)
    expect(tookMs).toBeGreaterThanOrEqual(300)
    expect(printed).toContain('[stubborn] ignoring SIGTERM')
    expect(printed.some((l) => l.includes('did not stop within 300 ms: SIGKILL'))).toBe(true)
  })

  it('stops every child, last started first', async () => {
    const { children, printed } = recorder()
    const script = (name: string) =>
      `process.on('SIGTERM', () => { console.log('${name} stopping'); process.exit(0) }); console.log('up'); setInterval(() => {}, 1000)`
    const pids = [
      await children.start(node('first', script('first'))),
      await children.start(node('second', script('second'))),
    ]
    while (printed.filter((l) => l.endsWith(' up')).length < 2) await delay(20)
    await children.stopAll()
    expect(pids.map(isAlive)).toEqual([false, false])
    const order = printed.filter((l) => l.includes('stopping'))
    expect(order).toEqual(['[second] second stopping', '[first] first stopping'])
  })

  it('kills everything at once, synchronously', async () => {
    const { children, exits } = recorder()
    const pid = await children.start(node('victim', 'setInterval(() => {}, 1000)'))
    children.killAllNow()
    const exit = await children.exited('victim')
    expect(exit.signal).toBe('SIGKILL')
    expect(isAlive(pid)).toBe(false)
    expect(exits).toEqual([])
  })

  it('fails with ChildExited when the command cannot be spawned', async () => {
    const { children } = recorder()
    let err: unknown
    try {
      await children.start({
        name: 'ghost',
        command: join(dir, 'no-such-binary'),
        args: [],
        logPath: join(dir, 'ghost.log'),
      })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(DevnetError)
    expect((err as DevnetError).code).toBe('ChildExited')
    expect((err as Error).message).toContain('cannot start ghost')
  })

  it('refuses two children with one name', async () => {
    const { children } = recorder()
    await children.start(node('twin', 'setInterval(() => {}, 1000)'))
    await expect(children.start(node('twin', ''))).rejects.toThrow('already runs')
  })
})
