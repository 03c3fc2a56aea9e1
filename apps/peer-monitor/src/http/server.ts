import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Logger, noopLogger } from '@paraloom/interface'
import { checkInteger } from '../errors.js'
import type { Monitor } from '../monitor.js'
import { DASHBOARD_HTML } from './dashboard.js'
import { dashboardState, type StateLimits } from './state.js'

/** Options of {@link createHttpServer}. */
export interface HttpServerInit {
  monitor: Monitor
  /** @default '127.0.0.1' */
  host?: string
  /** 0 lets the OS choose. @default 8080 */
  port?: number
  logger?: Logger
  /** Dashboard pages following `/events` at once; one more gets 503. @default 32 */
  maxEventClients?: number
  /** A comment line on every `/events` stream this often, in milliseconds. @default 15000 */
  heartbeatMs?: number
  /** At most one state push per this many milliseconds (changes in between are merged). @default 250 */
  pushIntervalMs?: number
  /**
   * An `/events` client whose unsent bytes exceed this is dropped (it
   * reconnects and gets a fresh state), in bytes.
   *
   * @default 4194304
   */
  maxClientBufferBytes?: number
  /** @default { timelineWindowMs: 3600000, maxTimelineTransitions: 5000, maxEvidence: 100 } */
  state?: Partial<StateLimits>
  /** Names for the validators behind watched addresses (`--label ADDR=NAME`). */
  labels?: ReadonlyMap<string, string>
}

export interface HttpServer {
  /** Listens; resolves with the bound address. */
  start(): Promise<{ host: string; port: number }>
  /** Ends every `/events` stream and closes the server. */
  stop(): Promise<void>
}

/**
 * The monitor's HTTP side: `/` (the dashboard), `/api/state` (JSON),
 * `/events` (server-sent events, `event: state`), `/metrics` (Prometheus)
 * and `/healthz`.
 */
export function createHttpServer(init: HttpServerInit): HttpServer {
  const { monitor } = init
  const logger = init.logger ?? noopLogger
  const maxClients = checkInteger('maxEventClients', init.maxEventClients ?? 32, 1, 10_000)
  const heartbeatMs = checkInteger('heartbeatMs', init.heartbeatMs ?? 15_000, 10, 3_600_000)
  const pushIntervalMs = checkInteger('pushIntervalMs', init.pushIntervalMs ?? 250, 1, 60_000)
  const maxBuffer = checkInteger(
    'maxClientBufferBytes',
    init.maxClientBufferBytes ?? 4 << 20,
    1024,
    1 << 30,
  )
  const limits: StateLimits = {
    timelineWindowMs: 3_600_000,
    maxTimelineTransitions: 5000,
    maxEvidence: 100,
    ...init.state,
  }
  const clients = new Set<ServerResponse>()
  const stateJson = (): string => JSON.stringify(dashboardState(monitor, limits, init.labels))

  const send = (res: ServerResponse, chunk: string): void => {
    if (res.writableLength > maxBuffer) {
      logger.warn('dropping a dashboard client that does not read', {
        buffered: res.writableLength,
      })
      res.destroy()
      return
    }
    res.write(chunk)
  }
  let pushTimer: NodeJS.Timeout | undefined
  const push = (): void => {
    pushTimer = undefined
    if (clients.size === 0) return
    let chunk: string
    try {
      chunk = `event: state\ndata: ${stateJson()}\n\n`
    } catch (err) {
      logger.error('could not build the dashboard state', { error: err })
      return
    }
    for (const res of clients) send(res, chunk)
  }
  const unsubscribe = monitor.onChange(() => {
    pushTimer ??= setTimeout(push, pushIntervalMs)
  })
  const heartbeat = setInterval(() => {
    for (const res of clients) send(res, ': heartbeat\n\n')
  }, heartbeatMs)
  heartbeat.unref()

  const reply = (res: ServerResponse, code: number, type: string, body: string): void => {
    res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' })
    res.end(body)
  }

  const events = (req: IncomingMessage, res: ServerResponse): void => {
    if (clients.size >= maxClients) {
      reply(res, 503, 'text/plain', `at most ${maxClients} dashboard clients\n`)
      return
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    })
    clients.add(res)
    monitor.metrics.sseClients.set(clients.size)
    const forget = (): void => {
      clients.delete(res)
      monitor.metrics.sseClients.set(clients.size)
    }
    req.on('close', forget)
    res.on('error', forget)
    send(res, `retry: 2000\nevent: state\ndata: ${stateJson()}\n\n`)
  }

  const routes: Record<
    string,
    (req: IncomingMessage, res: ServerResponse) => void | Promise<void>
  > = {
    '/': (_req, res) => reply(res, 200, 'text/html; charset=utf-8', DASHBOARD_HTML),
    '/api/state': (_req, res) => reply(res, 200, 'application/json', stateJson()),
    '/events': events,
    '/metrics': async (_req, res) => {
      reply(
        res,
        200,
        monitor.metrics.registry.contentType,
        await monitor.metrics.registry.metrics(),
      )
    },
    '/healthz': (_req, res) => {
      const watchers = monitor.status()
      monitor.store.lastEvidenceId() // throws if the database is unusable
      reply(
        res,
        200,
        'application/json',
        JSON.stringify({
          status: 'ok',
          watchers: watchers.length,
          connected: watchers.filter((w) => w.connected).length,
        }),
      )
    },
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const route = routes[path]
    if (route === undefined) return reply(res, 404, 'text/plain', 'not found\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return reply(res, 405, 'text/plain', 'only GET\n')
    }
    Promise.resolve()
      .then(() => route(req, res))
      .catch((err: unknown) => {
        logger.error('http request failed', { path, error: err })
        if (!res.headersSent) {
          reply(
            res,
            503,
            'application/json',
            JSON.stringify({ status: 'error', error: String(err) }),
          )
        } else res.destroy()
      })
  })
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000
  server.maxConnections = maxClients + 64

  return {
    start() {
      return new Promise((resolve, reject) => {
        const host = init.host ?? '127.0.0.1'
        const port = init.port ?? 8080
        const onError = (err: NodeJS.ErrnoException): void =>
          reject(new Error(`--http ${host}:${port}: ${listenProblem(err)}`))
        server.once('error', onError)
        server.listen(port, host, () => {
          server.off('error', onError)
          const { address, port } = server.address() as AddressInfo
          logger.info('dashboard listening', { url: `http://${address}:${port}/` })
          resolve({ host: address, port })
        })
      })
    },
    stop() {
      unsubscribe()
      clearTimeout(pushTimer)
      clearInterval(heartbeat)
      for (const res of clients) res.end()
      clients.clear()
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

/** Why the dashboard cannot listen, in the operator's words. */
function listenProblem(err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE')
    return 'the address is already in use (another process listens there)'
  if (err.code === 'EACCES') return 'permission denied (ports below 1024 need privileges)'
  if (err.code === 'EADDRNOTAVAIL') return 'no local interface has this address'
  return err.message
}
