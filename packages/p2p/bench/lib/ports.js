// Loopback TCP ports for the suites. Free ones (for validators whose
// addresses must be in the registry before they start) come from
// @paraloom/test-utils.
import { createServer } from 'node:net'
/** Can a listener bind 127.0.0.1:`port` right now? */
export function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
