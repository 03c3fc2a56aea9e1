/**
 * How the devnet speaks of a child that died on its own: once when it
 * happens (how it ended, its last lines, where its whole log is) and in
 * every round of status lines after that (by name, for how long).
 */
import { duration } from '@paraloom/cli-kit'
import type { ExitInfo } from './processes.js'

/** A child that exited without being asked to. */
export interface DeadChild {
  name: string
  exit: ExitInfo
  /** When it was seen to exit, in milliseconds since the epoch. */
  atMs: number
  logPath: string
  /** Its last lines of output. */
  lastLines: readonly string[]
}

/** `code 3`, `signal SIGKILL`. */
export function describeExit(exit: ExitInfo): string {
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`
}

/** `validator-2 exited unexpectedly (signal SIGKILL); log /d/logs/validator-2.log`. */
export function deathSummary(dead: DeadChild): string {
  return `${dead.name} exited unexpectedly (${describeExit(dead.exit)}); log ${dead.logPath}`
}

/** The summary and, indented below it, the child's last lines. */
export function deathReport(dead: DeadChild): string {
  const tail = dead.lastLines.length === 0 ? ['(it printed nothing)'] : dead.lastLines
  return `${deathSummary(dead)}; its last lines:\n${tail.map((l) => `  ${l}`).join('\n')}`
}

/** `validator-2 | DOWN for 12.0s (signal SIGKILL) | log /d/logs/validator-2.log`. */
export function downLine(dead: DeadChild, nowMs: number): string {
  return `${dead.name} | DOWN for ${duration(nowMs - dead.atMs)} (${describeExit(dead.exit)}) | log ${dead.logPath}`
}
