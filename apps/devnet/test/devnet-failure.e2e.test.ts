import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it } from '@jest/globals'
import { DEVNET_TIMINGS } from '../src/files.js'
import { isAlive } from './faults/helpers/cluster.js'
import { type DevnetProcess, useDevnetRuns, waitUntilGone } from './helpers/devnet.js'

/** Status lines every this many ms, so each wait below spans several rounds. */
const STATUS_INTERVAL_MS = 500
const READY_WITHIN_MS = 120_000
/**
 * A survivor marks the dead validator OFFLINE after `offlineAfterMissed`
 * missed pings (each up to 4× the timeout floor under load), then a status
 * round shows it: with room for a loaded machine.
 */
const OFFLINE_SEEN_WITHIN_MS =
  DEVNET_TIMINGS.offlineAfterMissed *
    (DEVNET_TIMINGS.pingIntervalMs + 4 * DEVNET_TIMINGS.pingTimeoutMs) *
    3 +
  10 * STATUS_INTERVAL_MS
/** The monitor's watcher backs off up to 30 s between reconnects; it sees a dead node at its first failure. */
const DASHBOARD_SEES_WITHIN_MS = 30_000
/** Every child stops as on SIGTERM (validators within 2 s) plus a SIGKILL grace: room for load. */
const STOPPED_WITHIN_MS = 60_000

const runs = useDevnetRuns('devnet-failure-')

/** Resolves the devnet's exit code, or fails after `ms`. */
async function exitWithin(devnet: DevnetProcess, ms: number): Promise<number | null> {
  const timer = new AbortController()
  const code = await Promise.race([
    devnet.exited,
    delay(ms, 'timeout' as const, { signal: timer.signal }),
  ])
  timer.abort()
  if (code === 'timeout') throw new Error(`devnet still running ${ms} ms later:\n${devnet.output}`)
  return code
}

interface ObserverState {
  address: string
  name: string | null
  connected: boolean
  downSinceMs: number | null
}

async function observers(dashboard: string): Promise<ObserverState[]> {
  const res = await fetch(`${dashboard}/api/state`, { signal: AbortSignal.timeout(5000) })
  return ((await res.json()) as { observers: ObserverState[] }).observers
}

let firstRunLog: string

describe('a validator killed during devnet up', () => {
  it('is reported by name in the status lines and on the dashboard while the rest keep running', async () => {
    const devnet = runs.start([
      '--validators',
      '2',
      '--dir',
      runs.dir,
      '--status-interval-ms',
      String(STATUS_INTERVAL_MS),
    ])
    await devnet.waitForReady(READY_WITHIN_MS)
    const rows = devnet.table()
    const [one, two] = rows
    const services = devnet.servicePids()
    runs.track(...rows.map((r) => r.pid), ...services)
    const dashboard = devnet.dashboardUrl()
    expect(dashboard).toBeDefined()
    expect(services).toHaveLength(2)

    process.kill(two!.pid, 'SIGKILL')
    const logPath = join(runs.dir, 'logs', 'validator-2.log')
    await devnet.waitFor(
      'the death report',
      () =>
        devnet.output.includes(
          `[devnet] validator-2 exited unexpectedly (signal SIGKILL); log ${logPath}; its last lines:`,
        ),
      30_000,
    )
    const reportAt = devnet.output.length
    // Every round from now on says it is DOWN; validator-1 goes on with its own line.
    const after = () => devnet.output.slice(reportAt).split('\n')
    const downLine = new RegExp(
      `^validator-2 \\| DOWN for \\S+ \\(signal SIGKILL\\) \\| log ${logPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`,
    )
    await devnet.waitFor(
      'two rounds of DOWN lines',
      () => after().filter((l) => downLine.test(l)).length >= 2,
      30_000,
    )
    await devnet.waitFor(
      'validator-1 reporting validator-2 OFFLINE',
      () => after().some((l) => /^validator-1 \| peers C0 S0 O1 U0 \|/.test(l)),
      OFFLINE_SEEN_WITHIN_MS,
    )
    expect(devnet.output).toContain('[devnet] the others keep running')
    expect([one!.pid, ...services].every(isAlive)).toBe(true)
    expect(devnet.child.exitCode).toBeNull()

    // The dashboard names the dead node and shows it down; validator-1 is still watched.
    const giveUpAt = Date.now() + DASHBOARD_SEES_WITHIN_MS
    let seen: ObserverState[] = []
    for (;;) {
      seen = await observers(dashboard!)
      const dead = seen.find((o) => o.address === two!.grpc)
      if ((dead !== undefined && !dead.connected) || Date.now() > giveUpAt) break
      await delay(STATUS_INTERVAL_MS)
    }
    expect(seen.find((o) => o.address === two!.grpc)).toMatchObject({
      name: 'validator-2',
      connected: false,
      downSinceMs: expect.any(Number),
    })
    expect(seen.find((o) => o.address === one!.grpc)).toMatchObject({
      name: 'validator-1',
      connected: true,
    })

    // Ctrl-C stops the rest; the run failed, so it exits 1 and says why.
    process.kill(devnet.child.pid!, 'SIGINT')
    expect(await exitWithin(devnet, STOPPED_WITHIN_MS)).toBe(1)
    expect(devnet.output).toContain(
      `[devnet] this run had a failure: validator-2 exited unexpectedly (signal SIGKILL); log ${logPath}`,
    )
    expect(await waitUntilGone([one!.pid, ...services], 15_000)).toEqual([])
    firstRunLog = await readFile(join(runs.dir, 'logs', 'validator-1.log'), 'utf8')
    expect(firstRunLog).toContain('ready: listening on')
  }, 300_000)
})

describe('devnet up --exit-on-failure', () => {
  it('keeps the previous run’s logs, then stops everything and exits 1 naming the dead validator', async () => {
    expect(firstRunLog).toBeDefined()
    const devnet = runs.start(['--validators', '2', '--dir', runs.dir, '--exit-on-failure'])
    await devnet.waitForReady(READY_WITHIN_MS)
    const rows = devnet.table()
    const pids = [...rows.map((r) => r.pid), ...devnet.servicePids()]
    runs.track(...pids)
    expect(pids).toHaveLength(4)

    // The first run's logs are kept whole, as .1, next to this run's.
    expect(devnet.output).toMatch(
      /\[devnet\] logs of the previous run kept as .*validator-1\.log\.1, validator-2\.log\.1 in /,
    )
    expect(await readFile(join(runs.dir, 'logs', 'validator-1.log.1'), 'utf8')).toBe(firstRunLog)

    process.kill(rows[1]!.pid, 'SIGKILL')
    expect(await exitWithin(devnet, STOPPED_WITHIN_MS)).toBe(1)
    expect(devnet.output).toContain(
      `[devnet] stopping: validator-2 exited unexpectedly (signal SIGKILL); log ${join(runs.dir, 'logs', 'validator-2.log')}`,
    )
    expect(devnet.output).toContain('[devnet] stopped every process')
    // Every child it started has exited (by pid), not only the one that died.
    expect(await waitUntilGone(pids, 15_000)).toEqual([])
  }, 300_000)
})
