// Loopback ports for tests: free ones to configure, and a check that a
// stopped process left nothing listening.
import { type AddressInfo, connect, createServer, type Server } from 'node:net'

/**
 * `count` distinct ports that were free on 127.0.0.1 a moment ago: each is
 * bound with port 0 (the OS chooses) and all are held until every one is
 * known, so no two are the same. Only for a port that must be known before
 * the process that binds it starts (one registered on chain, say): anything
 * else binds port 0 and reports what it bound.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = []
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer()
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => resolve())
      })
    }
    return servers.map((s) => (s.address() as AddressInfo).port)
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}

export interface ProbePortOptions {
  /** @default '127.0.0.1' */
  host?: string
  /** @default 5000 */
  timeoutMs?: number
}

/**
 * How a TCP connect to `host:port` ends: `refused` when nothing listens,
 * `accepted` when something does. Rejects on any other error, or when the
 * connect neither succeeds nor fails within `timeoutMs`.
 */
export function probePort(
  port: number,
  options: ProbePortOptions = {},
): Promise<'refused' | 'accepted'> {
  const { host = '127.0.0.1', timeoutMs = 5000 } = options
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new Error(`connect to ${host}:${port} neither succeeded nor failed in ${timeoutMs} ms`),
      )
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.destroy()
      resolve('accepted')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      if (err.code === 'ECONNREFUSED') resolve('refused')
      else reject(err)
    })
  })
}
