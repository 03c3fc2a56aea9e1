// A TCP relay that can hold back what the target sends by a set delay: the
// stand-in for `tc netem delay` on a kernel without sch_netem. Bytes keep
// their order; at most `maxQueuedBytes` wait per connection (the target is
// paused beyond that), and every socket and timer is released on stop.
import { connect, createServer, type Server, type Socket } from 'node:net'

export interface DelayRelayInit {
  listenHost: string
  listenPort: number
  targetHost: string
  targetPort: number
  /** @default 8 MiB */
  maxQueuedBytes?: number
}

interface Pipe {
  client: Socket
  upstream: Socket
  queue: Array<{ dueAt: number; chunk: Buffer }>
  queuedBytes: number
  timer?: NodeJS.Timeout
  lastDueAt: number
}

export class DelayRelay {
  /** Added to every byte from the target to the client, in milliseconds. */
  delayMs = 0
  private server?: Server
  private readonly pipes = new Set<Pipe>()

  constructor(private readonly init: DelayRelayInit) {}

  async start(): Promise<void> {
    const server = createServer((client) => this.accept(client))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.init.listenPort, this.init.listenHost, () => resolve())
    })
    this.server = server
  }

  async stop(): Promise<void> {
    for (const p of this.pipes) this.close(p)
    const server = this.server
    this.server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private accept(client: Socket): void {
    const upstream = connect(this.init.targetPort, this.init.targetHost)
    // Nagle's algorithm would add its own delays to small frames such as pings.
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    const pipe: Pipe = { client, upstream, queue: [], queuedBytes: 0, lastDueAt: 0 }
    this.pipes.add(pipe)
    client.on('data', (chunk: Buffer) => upstream.write(chunk))
    upstream.on('data', (chunk: Buffer) => this.fromTarget(pipe, chunk))
    for (const s of [client, upstream]) {
      s.on('error', () => this.close(pipe))
      s.on('close', () => this.close(pipe))
    }
  }

  private fromTarget(pipe: Pipe, chunk: Buffer): void {
    // Never earlier than what is already queued: order is kept when the delay drops.
    const dueAt = Math.max(Date.now() + this.delayMs, pipe.lastDueAt)
    pipe.lastDueAt = dueAt
    pipe.queue.push({ dueAt, chunk })
    pipe.queuedBytes += chunk.length
    if (pipe.queuedBytes > (this.init.maxQueuedBytes ?? 8 * 1024 * 1024)) pipe.upstream.pause()
    this.schedule(pipe)
  }

  private schedule(pipe: Pipe): void {
    if (pipe.timer !== undefined || pipe.queue.length === 0) return
    pipe.timer = setTimeout(
      () => {
        pipe.timer = undefined
        const now = Date.now()
        while (pipe.queue.length > 0 && pipe.queue[0]!.dueAt <= now) {
          const { chunk } = pipe.queue.shift()!
          pipe.queuedBytes -= chunk.length
          pipe.client.write(chunk)
        }
        if (pipe.upstream.isPaused()) pipe.upstream.resume()
        this.schedule(pipe)
      },
      Math.max(0, pipe.queue[0]!.dueAt - Date.now()),
    )
  }

  private close(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return
    clearTimeout(pipe.timer)
    pipe.queue = []
    pipe.client.destroy()
    pipe.upstream.destroy()
  }
}
