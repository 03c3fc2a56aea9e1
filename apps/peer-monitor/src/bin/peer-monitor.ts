#!/usr/bin/env node
// The signal handlers come first and the CLI is loaded after them: loading
// takes a while, and a SIGINT/SIGTERM at any moment must be an orderly stop
// (exit 0), never the default kill.
const shutdown = new AbortController()
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => shutdown.abort(signal))
}
const { onParentExit } = await import('@paraloom/cli-kit')
// Under a supervisor that asked for it (`devnet up`): stop when it dies, however it dies.
onParentExit(() => shutdown.abort('parent exited'))
const { runCli } = await import('../cli.js')
try {
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    shutdown: shutdown.signal,
    isTty: process.stderr.isTTY === true,
    clock: Date.now,
  })
} catch (err) {
  // One line for operators; the stack only when asked for.
  const detail = process.env.PARALOOM_DEBUG ? (err as Error)?.stack : (err as Error)?.message
  process.stderr.write(`peer-monitor: ${detail ?? String(err)}\n`)
  process.exitCode = 1
}
