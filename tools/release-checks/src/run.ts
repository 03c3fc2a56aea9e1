import { spawn } from 'node:child_process'
import { ParaloomError } from '@paraloom/interface'

/** Why a command failed: it could not start, exited non-zero, or ran past its deadline. */
export type CommandErrorCode = 'SpawnFailed' | 'Exited' | 'Timeout'

/** A command that did not succeed, with what it printed last. */
export class CommandError extends ParaloomError<{ code: CommandErrorCode }> {
  static override readonly name = 'CommandError'
  readonly result: CommandResult

  constructor(code: CommandErrorCode, message: string, result: CommandResult) {
    super({ code }, message)
    this.result = result
  }
}

export interface CommandResult {
  /** `command args...`, for messages. */
  commandLine: string
  cwd: string
  /** Exit code, or null when killed by a signal. */
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  cwd: string
  env: NodeJS.ProcessEnv
  /** Deadline for the whole command; its process group is killed after it. */
  timeoutMs: number
  signal?: AbortSignal
}

/** Output kept per stream; npm and node-gyp can print megabytes. */
const MAX_OUTPUT_CHARS = 1024 * 1024
/** How much output a failure message quotes. */
const TAIL_CHARS = 4000

/**
 * Runs a command without a shell and resolves with its output when it exits 0.
 * The child leads its own process group, so a timeout or abort also ends what
 * it started (npm runs node-gyp, which runs make and g++).
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> {
  const result: CommandResult = {
    commandLine: [command, ...args].join(' '),
    cwd: options.cwd,
    code: null,
    stdout: '',
    stderr: '',
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let failure: { code: CommandErrorCode; reason: string } | undefined
    const killGroup = (code: CommandErrorCode, reason: string): void => {
      failure ??= { code, reason }
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
    }
    const timer = setTimeout(
      () => killGroup('Timeout', `still running after ${options.timeoutMs} ms`),
      options.timeoutMs,
    )
    const onAbort = (): void => killGroup('Timeout', 'aborted')
    options.signal?.addEventListener('abort', onAbort, { once: true })

    const append = (key: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (result[key].length < MAX_OUTPUT_CHARS) result[key] += chunk.toString('utf8')
    }
    child.stdout.on('data', append('stdout'))
    child.stderr.on('data', append('stderr'))
    child.once('error', (err) => {
      failure ??= { code: 'SpawnFailed', reason: err.message }
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      result.code = code
      if (failure === undefined && code === 0) return resolve(result)
      const { code: failed, reason } = failure ?? {
        code: 'Exited' as const,
        reason: `exited with ${code}`,
      }
      const tail = `${result.stdout}\n${result.stderr}`.trim().slice(-TAIL_CHARS)
      reject(
        new CommandError(
          failed,
          `${result.commandLine} (in ${result.cwd}): ${reason}\n${tail}`,
          result,
        ),
      )
    })
  })
}
