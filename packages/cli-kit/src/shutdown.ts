import { onParentExit } from './parent.js'

/** Why a long-running command stops: a signal, or its supervising parent died. */
export type ShutdownReason = NodeJS.Signals | 'parent exited'

/**
 * SIGINT and SIGTERM for a long-running command, and the death of a parent
 * that asked to take its children along (`PARALOOM_PARENT_PIPE`, set by
 * `devnet up`). Install it first thing in the command's action, so a signal
 * at any later moment (while the config loads, while the node starts, while
 * it runs) is an orderly stop and never the default kill.
 */
export interface ShutdownSignals {
  /** Aborted by the first SIGINT, SIGTERM or parent exit; its reason is a {@link ShutdownReason}. */
  readonly signal: AbortSignal
  /** Resolves with the first {@link ShutdownReason}. */
  readonly received: Promise<ShutdownReason>
  /** Removes the handlers (a later signal has its default effect again). */
  dispose(): void
}

export function watchShutdownSignals(): ShutdownSignals {
  const controller = new AbortController()
  let onShutdown: (reason: ShutdownReason) => void = () => {}
  const received = new Promise<ShutdownReason>((resolve) => {
    onShutdown = (reason) => {
      controller.abort(reason)
      resolve(reason)
    }
  })
  // `on`, not `once`: a second signal during the stop must not kill the process mid-way.
  process.on('SIGINT', onShutdown)
  process.on('SIGTERM', onShutdown)
  const stopWatchingParent = onParentExit(() => onShutdown('parent exited'))
  return {
    signal: controller.signal,
    received,
    dispose() {
      process.off('SIGINT', onShutdown)
      process.off('SIGTERM', onShutdown)
      stopWatchingParent()
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
