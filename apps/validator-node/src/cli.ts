import {
  type CliIo,
  ExitCode,
  isUsageError,
  packageVersion,
  routeCommander,
} from '@paraloom/cli-kit'
import { Command, CommanderError } from 'commander'
import { codecCommand } from './commands/codec.js'
import { devnetCommand } from './commands/devnet.js'
import { peersCommand } from './commands/peers.js'
import { registryCommand } from './commands/registry.js'
import { validatorCommand } from './commands/validator.js'

export const processIo: CliIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}

/**
 * Builds the `paraloom` command tree. Every command reports its outcome by
 * resolving to an exit code; none calls `process.exit` itself.
 */
export function buildCli(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('paraloom')
    .description('Run and inspect a Paraloom validator node.')
    .version(packageVersion(import.meta.url), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
  program.addCommand(validatorCommand(io))
  program.addCommand(peersCommand(io, setExitCode))
  program.addCommand(codecCommand(io, setExitCode))
  program.addCommand(registryCommand(io, setExitCode))
  program.addCommand(devnetCommand(io, setExitCode))

  // Commander's own usage errors (unknown flag, missing value) become exit 2 everywhere.
  routeCommander(program, io)
  return program
}

/** Runs the CLI on `argv` (without the node and script entries) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode: number = ExitCode.ok
  const program = buildCli(io, (code) => {
    exitCode = Math.max(exitCode, code)
  })
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander but successes to the user.
      if (err.exitCode === 0) return ExitCode.ok
      return ExitCode.usage
    }
    if (isUsageError(err)) {
      io.stderr.write(`paraloom: ${err.message}\n`)
      return ExitCode.usage
    }
    throw err
  }
}
