// Child processes for tests: spawned with their output kept line by line,
// waited on with deadlines, signalled and ended by pid. Any still running
// when the test process exits is SIGKILLed by an exit hook, so a failed
// teardown leaves nothing behind.
import { type ChildProcess, spawn } from 'node:child_process'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import { ChangeSignal, within } from './wait.js'

export interface ExitStatus {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface TestProcessOptions {
  /** Extra environment variables, over {@link childEnv}'s. */
  env?: Record<string, string>
  cwd?: string
  /** `pipe` to write to the child (`child.stdin`). @default 'ignore' */
  stdin?: 'pipe' | 'ignore'
  /** Names the process in errors. @default the file names of the command and its first argument */
  name?: string
}

/** Lines of standard output kept; the oldest go beyond this. */
const MAX_LINES = 50_000
/** Characters of standard error kept (its tail). */
const MAX_STDERR_CHARS = 1 << 20

/** Every child still running, SIGKILLed by pid if the test process exits first. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const c of live) if (c.pid !== undefined) signalPid(c.pid, 'SIGKILL')
    })
  }
  live.add(child)
}

/** Sends `signal` to `pid`; false when the process is already gone. */
function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw err
  }
}

/**
 * This process's environment for a child, without `NODE_OPTIONS`: jest runs
 * with `--experimental-vm-modules`, which is not for the child (and makes
 * Node print a warning on its stderr).
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  if (!('NODE_OPTIONS' in extra)) delete env.NODE_OPTIONS
  return env
}

/** A running child: its stdout lines, its stderr, its exit. */
export class TestProcess {
  /** Standard output, line by line, in order. */
  readonly lines: string[] = []
  /** Standard error (its last MiB). */
  stderr = ''
  /** How it ended, once its output is read to the end. */
  readonly exited: Promise<ExitStatus>
  readonly name: string
  private readonly changed = new ChangeSignal()
  private ended = false

  private constructor(
    readonly child: ChildProcess,
    name: string,
  ) {
    this.name = name
    track(child)
    this.exited = new Promise((resolve) => {
      const finish = (status: ExitStatus): void => {
        live.delete(child)
        this.ended = true
        resolve(status)
        this.changed.notify()
      }
      // 'close': after stdout and stderr are read to the end, so no line is missed.
      child.once('close', (code, signal) => finish({ code, signal }))
      // A command that cannot start (not found, not executable) has no pid.
      child.on('error', (err) => {
        this.stderr += `${name}: ${err.message}\n`
        if (child.pid === undefined) finish({ code: null, signal: null })
      })
    })
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.lines.push(line)
      if (this.lines.length > MAX_LINES) this.lines.shift()
      this.changed.notify()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-MAX_STDERR_CHARS)
      this.changed.notify()
    })
  }

  /**
   * Spawns `command args` with stdout and stderr piped. One that cannot start
   * (not found, not executable) ends at once, its stderr saying why.
   */
  static start(command: string, args: string[], options: TestProcessOptions = {}): TestProcess {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    })
    const name =
      options.name ??
      [command, args[0]]
        .filter((a) => a !== undefined)
        .map((a) => basename(a))
        .join(' ')
    return new TestProcess(child, name)
  }

  /** Runs `node script args` (this Node.js binary). */
  static node(script: string, args: string[] = [], options: TestProcessOptions = {}): TestProcess {
    return TestProcess.start(process.execPath, [script, ...args], options)
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  /** True until the process has exited. */
  get running(): boolean {
    return !this.ended && this.child.exitCode === null && this.child.signalCode === null
  }

  /**
   * Re-evaluates `check` whenever output arrives or the process exits, and
   * resolves with its first value other than `undefined`. Rejects when
   * `check` throws or `timeoutMs` passes.
   */
  until<T>(what: string, check: () => T | undefined, timeoutMs: number): Promise<T> {
    return this.changed.until(`${this.name}: ${what}`, check, timeoutMs)
  }

  /**
   * The first stdout line matching `pattern`. Rejects when the process exits
   * first (quoting its stderr) or `timeoutMs` passes, naming `what`.
   */
  waitForLine(
    pattern: RegExp | ((line: string) => boolean),
    timeoutMs = 20_000,
    what = `a line matching ${pattern}`,
  ): Promise<string> {
    const matches = typeof pattern === 'function' ? pattern : (l: string) => pattern.test(l)
    return this.until(
      what,
      () => {
        const line = this.lines.find(matches)
        // Only once its output is read to the end: the line may still be in the pipe.
        if (line === undefined && this.ended) {
          throw new Error(`${this.name} exited before ${what}: ${this.stderr}`)
        }
        return line
      },
      timeoutMs,
    )
  }

  /** Sends `signal` by pid; throws if the process is not running. */
  kill(signal: NodeJS.Signals): void {
    const pid = this.child.pid
    if (pid === undefined || !this.running || !signalPid(pid, signal)) {
      throw new Error(`${this.name} is not running`)
    }
  }

  /** Sends `signal` by pid if the process is still running. */
  signal(signal: NodeJS.Signals): void {
    if (this.child.pid !== undefined && this.running) signalPid(this.child.pid, signal)
  }

  /** How it ended; rejects if it is still running after `timeoutMs`. */
  exit(timeoutMs: number): Promise<ExitStatus> {
    return within(`${this.name} to exit`, timeoutMs, this.exited)
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
  async stop(graceMs = 5000): Promise<ExitStatus> {
    this.signal('SIGTERM')
    try {
      return await this.exit(graceMs)
    } catch {
      this.signal('SIGKILL')
      return this.exit(graceMs)
    }
  }
}
