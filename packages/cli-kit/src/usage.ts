import { ConfigError } from '@paraloom/interface'
import { type Command, CommanderError } from 'commander'

/**
 * A problem with what the user typed or configured: a bad flag, a missing
 * file, a config value of the wrong type. A CLI prints its message as one
 * line on stderr and exits with {@link ExitCode.usage}.
 */
export class UsageError extends Error {
  static override readonly name: string = 'UsageError'
  override readonly name: string = 'UsageError'
}

/**
 * Whether `err` is the user's to fix: a {@link UsageError}, or a
 * `ConfigError` from any package (`@paraloom/interface`'s one config error).
 * A CLI prints its message as one line and exits with {@link ExitCode.usage}.
 */
export function isUsageError(err: unknown): err is UsageError | ConfigError {
  return err instanceof UsageError || err instanceof ConfigError
}

/** Exit codes shared by every Paraloom command. */
export const ExitCode = {
  ok: 0,
  /** The command ran, but some of its work failed (a line that did not decode, a node that could not start). */
  failed: 1,
  /** Bad flag, bad config, unusable file: nothing was done. */
  usage: 2,
} as const

/** A commander argument parser for an integer flag in [min, max]; anything else is a UsageError naming the flag. */
export function integerFlag(flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^-?\d+$/.test(value) ? Number(value) : Number.NaN
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${value}"`)
    }
    return n
  }
}

/**
 * Splits HOST:PORT (IPv6 in brackets: `[::1]:50051`), or throws a UsageError
 * naming the flag. Port 0 (let the OS choose) only where `minPort` is 0.
 */
export function parseHostPort(
  flag: string,
  value: string,
  minPort = 1,
): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value)
  const port = Number(m?.[2])
  if (m === null || port < minPort || port > 65_535) {
    throw new UsageError(
      `${flag} must be HOST:PORT with a port from ${minPort} to 65535, got "${value}"`,
    )
  }
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port }
}

/** Where a command writes. */
export interface CommandOutput {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** Where a command reads and writes: the process's own streams, or a test's in-memory ones. */
export interface CliIo extends CommandOutput {
  stdin: NodeJS.ReadableStream
}

/** The process's own standard streams (read when called: `process.stdin` is created on first use). */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }
}

/** A whole CLI as a function: runs `argv` (without node and script) and resolves to its exit code. */
export type CliMain = (argv: readonly string[], io: CliIo) => Promise<number>

/**
 * Makes `program` and every subcommand throw instead of exiting the process
 * (so a usage error becomes {@link ExitCode.usage} in the caller) and write
 * help and errors to `out`. Call it after every subcommand is added.
 */
export function routeCommander(program: Command, out: CommandOutput): Command {
  program.exitOverride().configureOutput({
    writeOut: (s) => out.stdout.write(s),
    writeErr: (s) => out.stderr.write(s),
  })
  for (const sub of program.commands) routeCommander(sub, out)
  return program
}

/**
 * Runs a CLI on `argv` (without the node and script entries): `build` makes
 * its command tree, set up by {@link routeCommander}, whose commands report
 * through `setExitCode` (the highest code wins). Resolves that code, also
 * after help or the version ({@link ExitCode.ok}), or {@link ExitCode.usage}
 * after a usage error (a {@link UsageError} is printed as one line
 * `<program>: message`). Any other error is thrown.
 */
export async function runProgram(
  build: (setExitCode: (code: number) => void) => Command,
  argv: readonly string[],
  io: CommandOutput,
): Promise<number> {
  let exitCode: number = ExitCode.ok
  const program = build((code) => {
    exitCode = Math.max(exitCode, code)
  })
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode
  } catch (err) {
    // Help and version are "errors" to commander but successes to the user.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage
    if (isUsageError(err)) {
      io.stderr.write(`${program.name()}: ${err.message}\n`)
      return ExitCode.usage
    }
    throw err
  }
}
