import {
  type CliIo,
  packageVersion,
  processIo,
  routeCommander,
  runProgram,
} from '@paraloom/cli-kit'
import { Command } from 'commander'
import { codecCommand } from './commands/codec.js'
import { devnetCommand } from './commands/devnet.js'
import { peersCommand } from './commands/peers.js'
import { registryCommand } from './commands/registry.js'
import { validatorCommand } from './commands/validator.js'

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

/** Runs the CLI on `argv` (without the node and script entries) and resolves the exit code. */
export function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram((setExitCode) => buildCli(io, setExitCode), argv, io)
}
