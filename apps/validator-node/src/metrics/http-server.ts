import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'

export interface HealthReport {
  /** false answers /healthz with 503. */
  ok: boolean
  [detail: string]: unknown
}

export interface MetricsServerHandle {
  port: number
  stop(): Promise<void>
}

/**
 * `GET /metrics` (Prometheus text format) and `GET /healthz` (JSON) on
 * `listen` (`host:port`). Anything else is 404; slow clients time out.
 */
export async function startMetricsServer(
  listen: string,
  registry: Registry,
  health: () => HealthReport,
): Promise<MetricsServerHandle> {
  const server: Server = createServer(async (req, res) => {
    try {
      if (req.method !== 'GET') {
        res.writeHead(405, { allow: 'GET' }).end()
      } else if (req.url === '/metrics') {
        const body = await registry.metrics()
        res.writeHead(200, { 'content-type': registry.contentType }).end(body)
      } else if (req.url === '/healthz') {
        const report = health()
        res
          .writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify(report))
      } else {
        res.writeHead(404).end()
      }
    } catch (err) {
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(err instanceof Error ? err.message : String(err))
    }
  })
  server.requestTimeout = 10_000
  server.headersTimeout = 5_000
  const { host, port } = splitHostPort(listen)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** `127.0.0.1:9464` or `[::1]:9464`. */
export function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':')
  return { host: listen.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(listen.slice(i + 1)) }
}
