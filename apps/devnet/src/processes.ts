/**
 * The devnet's child processes: spawned in their own process group (so a
 * terminal's Ctrl-C reaches only the devnet, which then stops them in
 * order), their output printed line by line behind a `[name]` prefix and
 * appended to a log file, and stopped by pid: SIGTERM, then SIGKILL after a
 * grace period.
 *
 * Every child exits when the devnet dies, however it dies (SIGKILL
 * included): its standard input is a pipe from the devnet, never written,
 * and `PARALOOM_PARENT_PIPE=1` tells it to stop when that pipe ends (see
 * `onParentExit` in @paraloom/cli-kit).
 *
 * A child that dies on its own is reported through `onUnexpectedExit` with
 * its exit code or signal, last lines and log file; what follows is the
 * devnet's policy (`up.ts`). It is never restarted: a devnet that silently
 * restarted a crashing validator would hide the bug it exists to show.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { PARENT_PIPE_ENV } from '@paraloom/cli-kit'
import { DevnetError } from './errors.js'
import { LineSplitter } from './line-splitter.js'

export interface ChildSpec {
  /** Short name, used as the output prefix. */
  name: string
  command: string
  args: string[]
  /** Every byte the child writes is appended here. */
  logPath: string
  /** Extra environment variables. */
  env?: Record<string, string>
}

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ChildProcessesInit {
  /** Receives each line of every child's output, already prefixed. */
  print(line: string): void
  /** A child exited without being asked to, with its last lines of output and its log file. */
  onUnexpectedExit?(
    name: string,
    exit: ExitInfo,
    lastLines: readonly string[],
    logPath: string,
  ): void
  /** Lines of output remembered per child for the exit report. @default 20 */
  tailLines?: number
}

interface Child {
  spec: ChildSpec
  process: ChildProcess
  pid: number
  exited: Promise<ExitInfo>
  stopping: boolean
  tail: string[]
}

/** Longest wait for a stopped child after SIGKILL, in milliseconds. */
const AFTER_KILL_WAIT_MS = 5000

export class ChildProcesses {
  private readonly children = new Map<string, Child>()
  private readonly tailLines: number

  constructor(private readonly init: ChildProcessesInit) {
    this.tailLines = init.tailLines ?? 20
  }

  /** Spawns `spec`; resolves with its pid once it runs, rejects when it cannot be spawned. */
  async start(spec: ChildSpec): Promise<number> {
    if (this.children.has(spec.name)) throw new Error(`a child named ${spec.name} already runs`)
    await mkdir(dirname(spec.logPath), { recursive: true })
    const log = createWriteStream(spec.logPath, { flags: 'a' })
    const proc = spawn(spec.command, spec.args, {
      env: { ...process.env, ...spec.env, [PARENT_PIPE_ENV]: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    // Held open and never written: the kernel closes it when this process dies.
    proc.stdin?.on('error', () => {})
    try {
      await new Promise<void>((resolve, reject) => {
        proc.once('spawn', resolve)
        proc.once('error', reject)
      })
    } catch (err) {
      log.end()
      throw new DevnetError(
        'ChildExited',
        `cannot start ${spec.name} (${spec.command}): ${(err as Error).message}`,
        { cause: err },
      )
    }
    const child: Child = {
      spec,
      process: proc,
      pid: proc.pid!,
      stopping: false,
      tail: [],
      exited: Promise.resolve({ code: null, signal: null }),
    }
    child.exited = this.watch(child, log)
    this.children.set(spec.name, child)
    return child.pid
  }

  private watch(child: Child, log: WriteStream): Promise<ExitInfo> {
    const { name } = child.spec
    const onLine = (line: string): void => {
      child.tail.push(line)
      if (child.tail.length > this.tailLines) child.tail.shift()
      this.init.print(`[${name}] ${line}`)
    }
    const splitters = [new LineSplitter(onLine), new LineSplitter(onLine)]
    const streams = [child.process.stdout!, child.process.stderr!]
    streams.forEach((stream, i) => {
      stream.on('data', (chunk: Buffer) => {
        log.write(chunk)
        splitters[i]!.push(chunk)
      })
    })
    return new Promise((resolve) => {
      child.process.once('close', (code, signal) => {
        for (const s of splitters) s.flush()
        log.end()
        this.children.delete(name)
        const exit = { code, signal }
        if (!child.stopping) {
          this.init.onUnexpectedExit?.(name, exit, [...child.tail], child.spec.logPath)
        }
        resolve(exit)
      })
    })
  }

  /** Names and pids of the children still running. */
  pids(): Map<string, number> {
    return new Map([...this.children].map(([name, c]) => [name, c.pid]))
  }

  has(name: string): boolean {
    return this.children.has(name)
  }

  /** Resolves when `name` exits (at once if it is not running). */
  exited(name: string): Promise<ExitInfo> {
    return this.children.get(name)?.exited ?? Promise.resolve({ code: null, signal: null })
  }

  /**
   * Stops the named children together: SIGTERM by pid, SIGKILL to any still
   * running after `graceMs`. Resolves once all have exited.
   */
  async stop(names: readonly string[], options: { graceMs?: number } = {}): Promise<void> {
    const graceMs = options.graceMs ?? 10_000
    await Promise.all(names.map((name) => this.stopOne(name, graceMs)))
  }

  /** Stops every child, in the reverse of the order they were started. */
  async stopAll(options: { graceMs?: number } = {}): Promise<void> {
    for (const name of [...this.children.keys()].reverse()) await this.stop([name], options)
  }

  /** SIGKILLs every child at once, synchronously: for a devnet that is itself exiting. */
  killAllNow(): void {
    for (const child of this.children.values()) {
      child.stopping = true
      signal(child.pid, 'SIGKILL')
    }
  }

  private async stopOne(name: string, graceMs: number): Promise<void> {
    const child = this.children.get(name)
    if (child === undefined) return
    child.stopping = true
    signal(child.pid, 'SIGTERM')
    let timer: NodeJS.Timeout | undefined
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), graceMs)
    })
    const first = await Promise.race([child.exited, graceOver])
    clearTimeout(timer)
    if (first !== 'timeout') return
    this.init.print(`[devnet] ${name} did not stop within ${graceMs} ms: SIGKILL`)
    signal(child.pid, 'SIGKILL')
    const killWait = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, AFTER_KILL_WAIT_MS)
    })
    await Promise.race([child.exited, killWait])
    clearTimeout(timer)
  }
}

/** Signals one pid; a process that is already gone is not an error. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}
