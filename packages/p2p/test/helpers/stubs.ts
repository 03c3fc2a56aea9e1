// Stand-ins for the components the p2p layers take, so unit tests build a
// layer without a node.
import type { LogFields, Logger } from '@paraloom/interface'

/** A Logger that prints nothing and remembers its warn and error lines (message, then fields). */
export function stubLogger(): Logger & { errors: string[] } {
  const errors: string[] = []
  const keep = (message: string, fields: LogFields = {}): void => {
    errors.push(`${message} ${JSON.stringify(fields)}`)
  }
  const log: Logger & { errors: string[] } = {
    debug: () => {},
    info: () => {},
    warn: keep,
    error: keep,
    forComponent: () => log,
    errors,
  }
  return log
}
