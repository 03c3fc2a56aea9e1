/**
 * `paraloom devnet …`: the devnet is its own package, `@paraloom/devnet`
 * (its CLI is `paraloom-devnet`), which depends on this one. This thin entry
 * runs that CLI in this process when Node finds the package from here
 * (installed beside paraloom, globally or in one project), and otherwise
 * says what to install.
 */
import { type CliIo, type CliMain, ExitCode } from '@paraloom/cli-kit'
import { Command } from 'commander'

/**
 * Not a dependency (that would be a cycle): resolved at run time, which is
 * why it is imported through a variable and not a literal specifier.
 */
export const DEVNET_PACKAGE = '@paraloom/devnet'

/** Loads the devnet's CLI; tests pass their own. */
export type LoadDevnet = () => Promise<{ runCli: CliMain }>

const loadInstalled: LoadDevnet = () => import(DEVNET_PACKAGE)

/** The import failed because the package itself is not installed (not one of its own imports). */
function isDevnetMissing(err: unknown): boolean {
  const { code, message } = err as { code?: unknown; message?: unknown }
  return (
    code === 'ERR_MODULE_NOT_FOUND' &&
    typeof message === 'string' &&
    message.includes(`'${DEVNET_PACKAGE}'`)
  )
}

/** `paraloom devnet --help` (and nothing else) describes this entry, as every paraloom command does. */
const ownHelp = (args: readonly string[]): boolean =>
  args.length === 1 && (args[0] === '--help' || args[0] === '-h')

export function devnetCommand(
  io: CliIo,
  setExitCode: (code: number) => void,
  load: LoadDevnet = loadInstalled,
): Command {
  const command = new Command('devnet')
    .description(
      `A local Paraloom network: \`up\` runs it, \`init\` only writes its files (runs paraloom-devnet from ${DEVNET_PACKAGE})`,
    )
    .argument(
      '[args...]',
      'what paraloom-devnet takes: `paraloom devnet up --help` lists its flags',
    )
    // Every other flag, --help after a subcommand included, is the devnet's own.
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (args: string[]) => {
      if (ownHelp(args)) {
        command.outputHelp()
        return
      }
      let devnet: { runCli: CliMain }
      try {
        devnet = await load()
      } catch (err) {
        if (!isDevnetMissing(err)) throw err
        io.stderr.write(
          `paraloom: devnet: ${DEVNET_PACKAGE} is not installed: install it beside paraloom (npm install -g ${DEVNET_PACKAGE}), then run paraloom-devnet or paraloom devnet\n`,
        )
        setExitCode(ExitCode.failed)
        return
      }
      setExitCode(await devnet.runCli(args, io))
    })
  return command
}
