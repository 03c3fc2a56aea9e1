// Loopback ports for tests: free ones to configure, and a check that a
// stopped process left nothing listening.

import type { AddressInfo } from 'node:net'
import { connect, createServer, type Server } from 'node:net'

/**
 * `count` distinct ports that were free on 127.0.0.1 a moment ago: each is
 * bound with port 0 (the OS chooses) and all are held until every one is
 * known, so no two are the same.
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

/**
 * How a TCP connect to 127.0.0.1:`port` ends: `refused` when nothing
 * listens, `accepted` when something does. Bounded by `timeoutMs`.
 */
export function probePort(port: number, timeoutMs = 2000): Promise<'refused' | 'accepted'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new Error(`connect to 127.0.0.1:${port} neither succeeded nor failed in ${timeoutMs} ms`),
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
