/** Resolves with the first SIGINT or SIGTERM; `dispose()` removes the handlers. */
export interface ShutdownSignal extends Promise<NodeJS.Signals> {
  dispose(): void
}

export function untilShutdownSignal(): ShutdownSignal {
  let onSignal: (signal: NodeJS.Signals) => void = () => {}
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve
  })
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return Object.assign(promise, {
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  })
}
