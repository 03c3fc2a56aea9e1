import { ExitCode, isUsageError, packageVersion, routeCommander } from '@paraloom/cli-kit'
import { Command, CommanderError } from 'commander'
import { evidenceCommand } from './commands/evidence.js'
import { configureRun } from './commands/run.js'
import type { CliIo } from './commands/shared.js'

export type { CliIo } from './commands/shared.js'

/** Builds the `peer-monitor` command tree; no command calls `process.exit`. */
export function buildCli(io: CliIo): Command {
  const program = new Command('peer-monitor')
    .description(
      'Watch Paraloom validator nodes over gRPC, keep their liveness transitions and unavailability evidence in SQLite, and serve a live dashboard.',
    )
    .usage('--validator HOST:PORT [--validator ...] --db FILE [--http HOST:PORT] [options]')
    .version(packageVersion(import.meta.url), '-V, --version', 'print the version')
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
  configureRun(program, io)
  program.addCommand(evidenceCommand(io))
  // Commander's own usage errors (unknown flag, missing value) become exit 2 everywhere.
  routeCommander(program, io)
  return program
}

/** Runs the CLI on `argv` (without the node and script entries); resolves the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await buildCli(io).parseAsync([...argv], { from: 'user' })
    return ExitCode.ok
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage
    if (isUsageError(err)) {
      io.stderr.write(`peer-monitor: ${err.message}\n`)
      return ExitCode.usage
    }
    throw err
  }
}
