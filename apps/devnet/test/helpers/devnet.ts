// `paraloom-devnet up` as a real process, for the e2e tests: what it printed,
// its listen table, and stopping it as Ctrl-C would.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll } from '@jest/globals'
import { isAlive } from '../faults/helpers/cluster.js'

/** The built `paraloom-devnet` entry point (`pnpm build` writes it). */
export const CLI = fileURLToPath(new URL('../../dist/bin/paraloom-devnet.js', import.meta.url))

/** Runs the built CLI with `args` to its end (a usage error, `init`, help): exit code and output. */
export function runDevnetCli(
  args: string[],
  cli: string = CLI,
): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build the package first`)
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 90_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

export interface Row {
  name: string
  pid: number
  p2p: string
  grpc: string
}

/** A running `devnet up` and everything it printed so far. */
export class DevnetProcess {
  readonly child: ChildProcess
  output = ''
  readonly exited: Promise<number | null>

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, 'up', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child.stdout!.on('data', (c: Buffer) => {
      this.output += c.toString()
    })
    this.child.stderr!.on('data', (c: Buffer) => {
      this.output += c.toString()
    })
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)))
  }

  lines(): string[] {
    return this.output.split('\n')
  }

  async waitFor(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
    const giveUpAt = Date.now() + timeoutMs
    while (!test()) {
      if (this.child.exitCode !== null) {
        throw new Error(`devnet exited (${this.child.exitCode}) before ${what}:\n${this.output}`)
      }
      if (Date.now() > giveUpAt)
        throw new Error(`no ${what} after ${timeoutMs} ms:\n${this.output}`)
      await delay(100)
    }
  }

  /** Until the `[devnet] ready:` line. */
  waitForReady(timeoutMs: number): Promise<void> {
    return this.waitFor(
      'the listen table',
      () => this.output.includes('[devnet] ready:'),
      timeoutMs,
    )
  }

  table(): Row[] {
    return this.lines().flatMap((l) => {
      const m = /^(validator-\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)$/.exec(l)
      return m ? [{ name: m[1]!, pid: Number(m[2]), p2p: m[3]!, grpc: m[4]! }] : []
    })
  }

  /** The pids of the registry stand-in and the monitor, from the table. */
  servicePids(): number[] {
    return this.lines().flatMap((l) => {
      const m = /^(registry|monitor)\s+pid (\d+)/.exec(l)
      return m ? [Number(m[2])] : []
    })
  }

  /** The tip each validator's latest status line reports. */
  tips(): Map<string, number> {
    const tips = new Map<string, number>()
    for (const l of this.lines()) {
      const m = /^(validator-\d+) \| .* \| tip (\d+)/.exec(l)
      if (m) tips.set(m[1]!, Number(m[2]))
    }
    return tips
  }

  /** The dashboard URL from the table. */
  dashboardUrl(): string | undefined {
    return /^monitor\s+pid \d+\s+dashboard (\S+)$/m.exec(this.output)?.[1]
  }

  /** Stops it as Ctrl-C would (it stops its children), SIGKILL if it has not exited after 15 s. */
  async stop(): Promise<void> {
    const { exitCode, signalCode, pid } = this.child
    if (exitCode !== null || signalCode !== null || pid === undefined) return
    process.kill(pid, 'SIGINT')
    const timer = new AbortController()
    const exited = await Promise.race([
      this.exited.then(() => true),
      delay(15_000, false, { signal: timer.signal }),
    ])
    timer.abort()
    if (!exited) process.kill(pid, 'SIGKILL')
  }
}

/** Gone: no such process, or a zombie nobody has reaped yet (it holds no port and runs no code). */
export function isGone(pid: number): boolean {
  if (!isAlive(pid)) return true
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''))
  } catch {
    return true
  }
}

/** Resolves once every pid is gone, or with the ones still there after `timeoutMs`. */
export async function waitUntilGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const giveUpAt = Date.now() + timeoutMs
  while (!pids.every(isGone) && Date.now() < giveUpAt) await delay(100)
  return pids.filter((pid) => !isGone(pid))
}

export interface DevnetRuns {
  /** A temporary directory for the file's tests, removed after them. */
  readonly dir: string
  /** Starts `devnet up` with `args`; stopped after the test if it still runs. */
  start(args: string[]): DevnetProcess
  /** Pids the devnet started, killed after the test if still alive. */
  track(...pids: number[]): void
}

/**
 * Jest hooks for a file that runs `devnet up`: a failed test must not leave
 * a devnet running, so after each test it is stopped and every pid it
 * started is killed.
 */
export function useDevnetRuns(prefix: string): DevnetRuns {
  let dir: string | undefined
  let running: DevnetProcess | undefined
  const started: number[] = []
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the package first`)
    dir = await mkdtemp(join(tmpdir(), prefix))
  })
  afterEach(async () => {
    await running?.stop()
    for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
    running = undefined
  }, 30_000)
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })
  return {
    get dir() {
      if (dir === undefined) throw new Error('useDevnetRuns: no directory before beforeAll')
      return dir
    },
    start(args) {
      running = new DevnetProcess(args)
      return running
    },
    track(...pids) {
      started.push(...pids)
    },
  }
}
