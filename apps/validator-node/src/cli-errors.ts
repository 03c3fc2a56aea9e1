/**
 * A problem with what the user typed or configured: a bad flag, a missing
 * file, a config value of the wrong type. The CLI prints its message as one
 * line on stderr and exits with code 2.
 */
export class UsageError extends Error {
  static override readonly name: string = 'UsageError'
  override readonly name: string = 'UsageError'
}

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  /** The command ran, but some of its input failed (e.g. a line that did not decode). */
  failed: 1,
  /** Bad flag, bad config, missing file: nothing was done. */
  usage: 2,
} as const
