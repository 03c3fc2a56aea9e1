import { integerFlag, UsageError } from '@paraloom/cli-kit'
import { Option } from 'commander'
import { StoreError } from '../errors.js'
import type { MonitorStore } from '../store/store.js'

/** Where a command reads, writes and learns it must stop; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  /** Aborted on SIGINT/SIGTERM: a running monitor shuts down and the command returns 0. */
  shutdown: AbortSignal
  /** Whether stderr is a terminal (text logs) or not (JSON lines). */
  isTty: boolean
  clock: () => number
}

/** A commander option whose value is an integer in [min, max]. */
export function integerOption(
  flags: string,
  description: string,
  min: number,
  max: number,
): Option {
  const name = flags.split(' ')[0]!
  return new Option(flags, description).argParser(integerFlag(name, min, max))
}

/** Opens the database; an unusable file becomes a UsageError (exit 2) that names it. */
export function openOrUsage(open: () => MonitorStore): MonitorStore {
  try {
    return open()
  } catch (err) {
    if (err instanceof StoreError) throw new UsageError(err.message, { cause: err })
    throw err
  }
}
