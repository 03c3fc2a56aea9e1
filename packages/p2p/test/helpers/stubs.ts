// Stand-ins for the libp2p components the p2p layers take, so unit tests
// build a layer without a node.
import type { Logger } from '@libp2p/interface'

/** A libp2p Logger that prints nothing and remembers its error lines. */
export function stubLogger(): Logger & { errors: string[] } {
  const errors: string[] = []
  const log = Object.assign(() => {}, {
    error: (format: string, ...args: unknown[]) => {
      errors.push([format, ...args].join(' '))
    },
    trace: () => {},
    enabled: false,
    newScope: () => log,
    errors,
  })
  return log as unknown as Logger & { errors: string[] }
}
