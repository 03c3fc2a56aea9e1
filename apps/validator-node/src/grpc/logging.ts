import { format } from 'node:util'
import { setLogger } from '@grpc/grpc-js'
import type { Logger } from '@paraloom/interface'

/**
 * grpc-js writes its own messages straight to stderr (`E No address added
 * out of total 1 resolved` on a busy port), which breaks the CLI's promise of
 * one line on stderr per failure. This sends them to the node's structured
 * log instead (process-wide: grpc-js has one logger), errors as warnings.
 */
export function routeGrpcLogs(logger: Logger): void {
  const child = logger.forComponent('grpc-js')
  setLogger({
    error: (...args: unknown[]) => child.warn(format(...args)),
    info: (...args: unknown[]) => child.info(format(...args)),
    debug: (...args: unknown[]) => child.debug(format(...args)),
  })
}
