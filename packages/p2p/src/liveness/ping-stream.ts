/**
 * Liveness pings over one long-lived `/ipfs/ping/1.0.0` stream per peer, as
 * rust-libp2p's ping does: the stream is negotiated once, then every probe
 * writes 32 random bytes and waits for their echo, one round trip. (libp2p's
 * `ping()` opens a stream per call, so multistream negotiation made every
 * probe two round trips.) The libp2p ping handler on the other side echoes
 * every chunk of the stream until it closes.
 *
 * A probe that times out leaves its nonce outstanding; the stream stays
 * open, and the late echo, when it comes, is reported to `onLateReply` (a
 * sign of life, and a sample for the RTT estimator). Echoes arrive in order,
 * so each one must match the oldest outstanding nonce; anything else resets
 * the stream. A stream that dies is reopened by the next probe.
 */
import type { PeerId, Stream } from '@libp2p/interface'
import { ParaloomError } from '@paraloom/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'

/** libp2p's ping protocol (network.md, "Names"). */
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
/** The ping payload length fixed by the libp2p ping spec. */
export const PING_LENGTH = 32

/** What {@link PingStreams} needs from a libp2p node. */
export interface PingStreamComponents {
  /** Opens an outbound stream for `protocol` to the peer (over an existing connection). */
  openStream(peer: PeerId, protocol: string, options: { signal: AbortSignal }): Promise<Stream>
}

export interface PingStreamsInit {
  /**
   * Unanswered pings on one stream before it is reset as stuck (the next
   * probe opens a fresh one). Bounds what a silent peer makes us buffer.
   *
   * @default 8
   */
  maxOutstanding?: number
  /** Called with the RTT of an echo that came after its probe gave up. */
  onLateReply?(peer: PeerId, rttMs: number): void
  /** Milliseconds, monotonic enough for RTTs. @default performance.now */
  clock?: () => number
}

/**
 * Why a ping stream failed: `Closed` (by the peer, or on our side because the
 * peer is no longer watched or liveness stopped), `Stuck` (too many pings
 * unanswered), `WrongEcho`, or `SendFailed`.
 */
export type PingStreamErrorCode = 'Closed' | 'Stuck' | 'WrongEcho' | 'SendFailed'

/** A ping stream failed: reset by the peer, closed, or a wrong echo. */
export class PingStreamError extends ParaloomError<{ code: PingStreamErrorCode }> {
  static override readonly name = 'PingStreamError'
  constructor(code: PingStreamErrorCode, message: string) {
    super({ code }, message)
  }
}

interface Waiter {
  resolve(rttMs: number): void
  reject(err: Error): void
}

interface Outstanding {
  nonce: Uint8Array
  sentAt: number
  /** Unset once the probe that sent it gave up: its echo is then a late reply. */
  waiter?: Waiter
}

/** One open ping stream and the pings in flight on it. */
class PingChannel {
  private readonly received = new Uint8ArrayList()
  private readonly outstanding: Outstanding[] = []
  private closed = false

  constructor(
    private readonly stream: Stream,
    private readonly init: Required<Pick<PingStreamsInit, 'maxOutstanding' | 'clock'>> & {
      onLateReply(rttMs: number): void
      onClosed(): void
    },
  ) {
    // subarray(): the stream's Uint8ArrayList may come from another copy of the package.
    stream.addEventListener('message', (evt) =>
      this.onData(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray()),
    )
    stream.addEventListener('close', (evt) => this.onClose(evt.error), { once: true })
    // The peer will echo nothing more (libp2p's handler ending the stream's lifetime).
    stream.addEventListener(
      'remoteCloseWrite',
      () => this.fail(new PingStreamError('Closed', 'the peer closed its ping stream')),
      { once: true },
    )
  }

  get isOpen(): boolean {
    return !this.closed && this.stream.status === 'open' && this.stream.writeStatus === 'writable'
  }

  ping(signal: AbortSignal): Promise<number> {
    if (signal.aborted) return Promise.reject(signal.reason)
    if (this.outstanding.length >= this.init.maxOutstanding) {
      this.fail(
        new PingStreamError(
          'Stuck',
          `${this.outstanding.length} pings unanswered: stream reset as stuck`,
        ),
      )
    }
    if (!this.isOpen) return Promise.reject(new PingStreamError('Closed', 'ping stream closed'))
    const entry: Outstanding = {
      nonce: crypto.getRandomValues(new Uint8Array(PING_LENGTH)),
      sentAt: this.init.clock(),
    }
    const result = new Promise<number>((resolve, reject) => {
      entry.waiter = { resolve, reject }
    })
    const onAbort = (): void => {
      const waiter = entry.waiter
      entry.waiter = undefined
      waiter?.reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    const settled = result.finally(() => signal.removeEventListener('abort', onAbort))
    this.outstanding.push(entry)
    try {
      this.stream.send(entry.nonce)
    } catch (err) {
      // the stream is closing under us: this ping, and any other, fails now
      this.fail(err instanceof Error ? err : new PingStreamError('SendFailed', String(err)))
    }
    return settled
  }

  /** Resets the stream; every waiting probe fails with `err`. */
  fail(err: Error): void {
    this.onClose(err)
    this.stream.abort(err)
  }

  private onData(data: Uint8Array): void {
    this.received.append(data)
    while (this.received.byteLength >= PING_LENGTH) {
      const echo = this.received.subarray(0, PING_LENGTH)
      this.received.consume(PING_LENGTH)
      const head = this.outstanding[0]
      if (head === undefined || !equals(head.nonce, echo)) {
        this.fail(new PingStreamError('WrongEcho', 'ping echo does not match the ping sent'))
        return
      }
      this.outstanding.shift()
      const rttMs = Math.max(0, this.init.clock() - head.sentAt)
      if (head.waiter !== undefined) head.waiter.resolve(rttMs)
      else this.init.onLateReply(rttMs)
    }
  }

  private onClose(err: Error = new PingStreamError('Closed', 'ping stream closed')): void {
    if (this.closed) return
    this.closed = true
    for (const entry of this.outstanding.splice(0)) entry.waiter?.reject(err)
    this.received.consume(this.received.byteLength)
    this.init.onClosed()
  }
}

/** One long-lived ping stream per peer; see the module comment. */
export class PingStreams {
  private readonly channels = new Map<string, PingChannel>()
  private readonly opening = new Map<string, Promise<PingChannel>>()
  private readonly maxOutstanding: number
  private readonly clock: () => number

  constructor(
    private readonly components: PingStreamComponents,
    private readonly init: PingStreamsInit = {},
  ) {
    this.maxOutstanding = init.maxOutstanding ?? 8
    this.clock = init.clock ?? (() => performance.now())
  }

  /** Open streams right now (one per peer at most). */
  get size(): number {
    return this.channels.size
  }

  /**
   * One ping round trip on the peer's stream, opening it first if needed,
   * resolving to the RTT in milliseconds (the stream opening not included).
   * A stream that closes under the ping (the peer's handler ended it) is
   * reopened once. Rejects when `signal` aborts, with its reason.
   */
  async ping(peer: PeerId, options: { signal: AbortSignal }): Promise<number> {
    const { signal } = options
    for (let attempt = 0; ; attempt++) {
      const fresh = !this.channels.get(peer.toString())?.isOpen
      const channel = await this.channel(peer, signal)
      try {
        return await channel.ping(signal)
      } catch (err) {
        if (signal.aborted || fresh || attempt > 0) throw err
      }
    }
  }

  /** Resets the peer's stream, if any (it is no longer watched). */
  close(peer: PeerId): void {
    this.channels
      .get(peer.toString())
      ?.fail(new PingStreamError('Closed', 'peer no longer watched'))
  }

  /** Resets every stream (the node stops). */
  closeAll(): void {
    for (const channel of [...this.channels.values()]) {
      channel.fail(new PingStreamError('Closed', 'liveness stopped'))
    }
  }

  private async channel(peer: PeerId, signal: AbortSignal): Promise<PingChannel> {
    const key = peer.toString()
    const open = this.channels.get(key)
    if (open?.isOpen === true) return open
    const pending = this.opening.get(key)
    if (pending !== undefined) return pending
    // A libp2p stream is reset when the signal it was opened with aborts, and
    // this one must outlive the probe that opens it: its own signal follows
    // the probe's only until the stream is open.
    const bound = new AbortController()
    const onAbort = (): void => bound.abort(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) onAbort()
    const opening = this.components
      .openStream(peer, PING_PROTOCOL, { signal: bound.signal })
      .then((stream) => {
        const channel: PingChannel = new PingChannel(stream, {
          maxOutstanding: this.maxOutstanding,
          clock: this.clock,
          onLateReply: (rttMs) => this.init.onLateReply?.(peer, rttMs),
          onClosed: () => {
            if (this.channels.get(key) === channel) this.channels.delete(key)
          },
        })
        this.channels.set(key, channel)
        return channel
      })
      .finally(() => {
        signal.removeEventListener('abort', onAbort)
        this.opening.delete(key)
      })
    this.opening.set(key, opening)
    return opening
  }
}
