#!/usr/bin/env node
import { runCli } from '../cli.js'

try {
  process.exitCode = await runCli(process.argv.slice(2))
} catch (err) {
  process.stderr.write(
    `paraloom: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  )
  process.exitCode = 1
}
