#!/usr/bin/env node
import { exitOnSignalWhileLoading } from '../shutdown.js'

// Loaded after the signal handlers are in place: loading takes a while.
const loaded = exitOnSignalWhileLoading()
const { runCli } = await import('../cli.js')
loaded()
let exitCode: number
try {
  exitCode = await runCli(process.argv.slice(2))
} catch (err) {
  // One line for operators; the stack only when asked for.
  const detail = process.env.PARALOOM_DEBUG ? (err as Error)?.stack : (err as Error)?.message
  process.stderr.write(`paraloom: ${detail ?? String(err)}\n`)
  exitCode = 1
}
// Exit as soon as the command is done: everything it started is stopped by
// then, and libp2p leaves debounce timers (up to 1 s) that would only delay
// the exit. Standard output and error are synchronous for files and pipes.
process.exit(exitCode)
