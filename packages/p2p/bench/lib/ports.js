// Free loopback TCP ports, for validators whose addresses must be in the
// registry before they start. The OS picks each (port 0); the listeners are
// closed again before the ports are handed out, so a port can in principle
// be taken in between by another process: the nodes then fail to start and
// the suite reports it.
import { createServer } from 'node:net'

export async function freePorts(count) {
  const servers = []
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer()
      servers.push(server)
      await new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', resolve)
      })
    }
    return servers.map((s) => s.address().port)
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  }
}

/** Can a listener bind 127.0.0.1:`port` right now? */
export function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}
