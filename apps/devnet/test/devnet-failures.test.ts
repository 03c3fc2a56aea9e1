// The devnet's failure reporting and log rotation, without processes: the
// files a run leaves, and the lines that name a dead child.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import type { PeerMonitorClient } from '@paraloom/proto'
import { type DeadChild, deathReport, downLine } from '../src/failures.js'
import { rotateLogs } from '../src/log-rotation.js'
import { startStatusLines } from '../src/status-line.js'

describe('rotateLogs', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devnet-logs-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  /** One run: writes `<name>.log` for each name after rotating, as `devnet up` does. */
  async function run(n: number, names: string[], keep: number): Promise<string[]> {
    const kept = await rotateLogs(dir, keep)
    for (const name of names) await writeFile(join(dir, `${name}.log`), `run ${n}\n`)
    return kept
  }
  const read = (file: string) => readFile(join(dir, file), 'utf8')

  it('keeps the previous run as .1 and bounds the runs kept', async () => {
    expect(await run(1, ['validator-1', 'registry'], 3)).toEqual([])
    expect(await run(2, ['validator-1', 'registry'], 3)).toEqual([
      'registry.log.1',
      'validator-1.log.1',
    ])
    for (let n = 3; n <= 6; n++) await run(n, ['validator-1', 'registry'], 3)
    expect((await readdir(dir)).sort()).toEqual([
      'registry.log',
      'registry.log.1',
      'registry.log.2',
      'registry.log.3',
      'validator-1.log',
      'validator-1.log.1',
      'validator-1.log.2',
      'validator-1.log.3',
    ])
    expect(await read('validator-1.log')).toBe('run 6\n')
    expect(await read('validator-1.log.1')).toBe('run 5\n')
    expect(await read('validator-1.log.3')).toBe('run 3\n')
  })

  it('shifts a child that did not run last time with the others, so .N is N runs ago for all', async () => {
    await run(1, ['validator-1', 'validator-2'], 5)
    await run(2, ['validator-1'], 5)
    await run(3, ['validator-1', 'validator-2'], 5)
    expect(await read('validator-2.log.2')).toBe('run 1\n')
    expect(await read('validator-1.log.2')).toBe('run 1\n')
  })

  it('keeps nothing with 0, leaves other files alone, and takes a missing directory as empty', async () => {
    await writeFile(join(dir, 'notes.txt'), 'mine')
    await writeFile(join(dir, 'x.log.old'), 'mine')
    await run(1, ['validator-1'], 0)
    await run(2, ['validator-1'], 0)
    expect((await readdir(dir)).sort()).toEqual(['notes.txt', 'validator-1.log', 'x.log.old'])
    expect(await rotateLogs(join(dir, 'no-such-dir'), 5)).toEqual([])
  })

  it('turns a lower limit on an existing pile into deletions of the oldest', async () => {
    for (let n = 1; n <= 5; n++) await run(n, ['validator-1'], 5)
    await run(6, ['validator-1'], 2)
    expect((await readdir(dir)).sort()).toEqual([
      'validator-1.log',
      'validator-1.log.1',
      'validator-1.log.2',
    ])
    expect(await read('validator-1.log.2')).toBe('run 4\n')
  })
})

const killed: DeadChild = {
  name: 'validator-2',
  exit: { code: null, signal: 'SIGKILL' },
  atMs: 1_000_000,
  logPath: '/d/logs/validator-2.log',
  lastLines: ['ready: listening on /ip4/127.0.0.1/tcp/9002'],
}

describe('dead children in words', () => {
  it('reports how it ended, where the log is, and its last lines', () => {
    expect(deathReport(killed)).toBe(
      'validator-2 exited unexpectedly (signal SIGKILL); log /d/logs/validator-2.log; its last lines:\n' +
        '  ready: listening on /ip4/127.0.0.1/tcp/9002',
    )
    expect(deathReport({ ...killed, exit: { code: 3, signal: null }, lastLines: [] })).toBe(
      'validator-2 exited unexpectedly (code 3); log /d/logs/validator-2.log; its last lines:\n' +
        '  (it printed nothing)',
    )
  })

  it('says DOWN, for how long, in a status line', () => {
    expect(downLine(killed, killed.atMs + 12_000)).toBe(
      'validator-2 | DOWN for 12.0s (signal SIGKILL) | log /d/logs/validator-2.log',
    )
  })

  it('status lines: a dead validator is not polled, a dead service gets its own line', async () => {
    const lines: string[] = []
    // Any call on this client fails the test: a dead validator must not be asked.
    const untouchable = new Proxy({} as PeerMonitorClient, {
      get: () => {
        throw new Error('a dead validator was polled')
      },
    })
    const dead = new Map<string, DeadChild>([
      ['validator-2', killed],
      ['monitor', { ...killed, name: 'monitor', logPath: '/d/logs/monitor.log' }],
    ])
    const status = startStatusLines({
      sources: [
        { name: 'validator-2', metricsUrl: 'http://127.0.0.1:1/metrics', peerMonitor: untouchable },
      ],
      dead: () => dead,
      intervalMs: 200,
      print: (l) => lines.push(l),
    })
    while (lines.length < 3) await new Promise((r) => setTimeout(r, 20))
    await status.stop()
    expect(lines[1]).toMatch(
      /^validator-2 \| DOWN for .* \(signal SIGKILL\) \| log \/d\/logs\/validator-2\.log$/,
    )
    expect(lines[2]).toMatch(/^monitor \| DOWN for .* \| log \/d\/logs\/monitor\.log$/)
  })
})
