import { exitOnSignalWhileLoading } from './shutdown.js'
import { type CliMain, processIo } from './usage.js'

/**
 * The whole of a CLI's bin file. `load` imports the CLI, which takes a while
 * on a busy machine: a SIGINT or SIGTERM meanwhile ends the process at once
 * (nothing has started). Then it runs the CLI on the process's arguments and
 * exits with its code as soon as it is done: everything the command started
 * is stopped by then, and libraries may leave timers (libp2p's debounce, up
 * to 1 s) that would only delay the exit. An error the CLI did not handle is
 * one line `<name>: message` (the stack when PARALOOM_DEBUG is set), exit 1.
 */
export async function runBin(name: string, load: () => Promise<CliMain>): Promise<never> {
  const loaded = exitOnSignalWhileLoading()
  const main = await load()
  loaded()
  let exitCode: number
  try {
    exitCode = await main(process.argv.slice(2), processIo())
  } catch (err) {
    const detail = process.env.PARALOOM_DEBUG ? (err as Error)?.stack : (err as Error)?.message
    process.stderr.write(`${name}: ${detail ?? String(err)}\n`)
    exitCode = 1
  }
  // Standard output and error are synchronous for files and pipes: nothing written is lost.
  process.exit(exitCode)
}
