// A TCP relay that delays every chunk by a random 100–300 ms (200 ms ± 100
// ms, uniform) in each direction, keeping each direction in order: the
// jitter of the soak, emulated in user space because this machine's kernel
// has no netem and the shared loopback must not be shaped. Only data is
// delayed (connection set-up and close are not). Runs in its own process so
// its timers do not compete with the nodes'.
import { connect, createServer } from 'node:net'
import { nowMs } from './lib/clock.js'
import { serveParent } from './lib/ipc.js'

/** A direction stops reading while this much is waiting to be delivered (backpressure). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024

const servers = []
const sockets = new Set()
let delayed = 0

/**
 * Pipes `from` into `to`, each chunk at least `delayMs()` later and never
 * before the previous one: a FIFO drained by one timer, so order holds.
 */
function delayedPipe(from, to, delayMs) {
  const queue = []
  let queuedBytes = 0
  let timer
  let ended = false
  const drain = () => {
    timer = undefined
    while (queue.length > 0 && queue[0].at <= nowMs()) {
      const { chunk } = queue.shift()
      queuedBytes -= chunk.length
      if (!to.destroyed) to.write(chunk)
    }
    if (queuedBytes <= MAX_QUEUED_BYTES) from.resume()
    if (queue.length > 0) timer = setTimeout(drain, Math.max(0, queue[0].at - nowMs()))
    else if (ended) to.end()
  }
  from.on('data', (chunk) => {
    const last = queue.at(-1)?.at ?? 0
    queue.push({ at: Math.max(nowMs() + delayMs(), last), chunk })
    queuedBytes += chunk.length
    delayed++
    if (queuedBytes > MAX_QUEUED_BYTES) from.pause()
    if (timer === undefined) timer = setTimeout(drain, Math.max(0, queue[0].at - nowMs()))
  })
  // Close only after the data before the close has been delivered.
  from.on('end', () => {
    ended = true
    if (timer === undefined) drain()
  })
  from.on('error', () => to.destroy())
  from.on('close', () => {
    if (to.destroyed) clearTimeout(timer)
  })
}

function relay(targetPort, delayMs) {
  return createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
    }
    delayedPipe(client, upstream, delayMs)
    delayedPipe(upstream, client, delayMs)
  })
}

serveParent(
  {
    /** One relay per target port; returns the port each listens on, in order. */
    async listen({ targets, minDelayMs, maxDelayMs }) {
      const delayMs = () => minDelayMs + Math.random() * (maxDelayMs - minDelayMs)
      const ports = []
      for (const target of targets) {
        const server = relay(target, delayMs)
        servers.push(server)
        await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
        ports.push(server.address().port)
      }
      return ports
    },
    stats: () => ({ delayedChunks: delayed }),
  },
  {
    onExit: async () => {
      for (const s of sockets) s.destroy()
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
    },
  },
)
