#!/usr/bin/env node
import { runCli } from '../cli.js'

try {
  process.exitCode = await runCli(process.argv.slice(2))
} catch (err) {
  // One line for operators; the stack only when asked for.
  const detail = process.env.PARALOOM_DEBUG ? (err as Error)?.stack : (err as Error)?.message
  process.stderr.write(`paraloom: ${detail ?? String(err)}\n`)
  process.exitCode = 1
}
