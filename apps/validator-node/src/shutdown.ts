/**
 * SIGINT and SIGTERM for a long-running command. Install it first thing in
 * the command's action, so a signal at any later moment (while the config
 * loads, while the node starts, while it runs) is an orderly stop and never
 * the default kill.
 */
export interface ShutdownSignals {
  /** Aborted by the first SIGINT or SIGTERM; its reason is the signal's name. */
  readonly signal: AbortSignal
  /** Resolves with the name of the first SIGINT or SIGTERM. */
  readonly received: Promise<NodeJS.Signals>
  /** Removes the handlers (a later signal has its default effect again). */
  dispose(): void
}

export function watchShutdownSignals(): ShutdownSignals {
  const controller = new AbortController()
  let onSignal: (signal: NodeJS.Signals) => void = () => {}
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (signal) => {
      controller.abort(signal)
      resolve(signal)
    }
  })
  // `on`, not `once`: a second signal during the stop must not kill the process mid-way.
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    received,
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

/**
 * For an entry point, before it loads the CLI (which takes a second or more
 * on a busy machine): a SIGINT or SIGTERM in that time ends the process at
 * once with exit code 0, as nothing has started that needs stopping. Call
 * the returned function once the CLI is loaded; commands that run until
 * stopped install {@link watchShutdownSignals} first thing.
 */
export function exitOnSignalWhileLoading(): () => void {
  const exit = (): never => process.exit(0)
  process.once('SIGINT', exit)
  process.once('SIGTERM', exit)
  return () => {
    process.off('SIGINT', exit)
    process.off('SIGTERM', exit)
  }
}
