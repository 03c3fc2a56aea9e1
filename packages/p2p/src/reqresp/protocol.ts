/**
 * One request/response protocol: one request per stream, one frame each way
 * (network.md, "Request/response"). The outbound side enforces a deadline
 * that includes the dial; the inbound side enforces the inbound limits, the
 * request cap and its own deadline, and resets the stream when the handler
 * fails so the caller gets a typed error rather than a hang.
 */
import type {
  Connection,
  PeerId,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface'
import { RequestError } from '../errors.js'
import { InboundLimiter, type InboundLimits } from './inbound-limiter.js'
import { abortError, raceSignal, readFrame, writeFrame } from './stream-io.js'

/** The part of a codec WireType this layer uses. */
export interface BodyCodec<T> {
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array, options?: { maxBytes?: number }): T
}

/** What a request handler learns about the exchange. */
export interface RequestContext {
  /** The requesting peer. */
  peer: PeerId
  /** Aborted when the exchange's deadline passes or the node stops. */
  signal: AbortSignal
}

export type RequestHandler<Req, Res> = (request: Req, context: RequestContext) => Promise<Res>

export type ExchangeOutcome = 'ok' | RequestError['code']

export interface ReqRespProtocolInit<Req, Res> {
  protocol: string
  request: BodyCodec<Req>
  response: BodyCodec<Res>
  /** Cap on the request frame body, in bytes. */
  requestMaxBytes: number
  /** Cap on the response frame body, in bytes. */
  responseMaxBytes: number
  /** Deadline of one exchange, dial included, in milliseconds. */
  timeoutMs: number
  /** Inbound limits for this protocol. */
  inbound?: InboundLimits
  /** Answers inbound requests; without one, inbound streams are refused. */
  handler?: RequestHandler<Req, Res>
  /** Called once per exchange with its direction and outcome. */
  onOutcome?(direction: 'inbound' | 'outbound', outcome: ExchangeOutcome): void
}

/** The libp2p calls this layer needs, so tests can build it from stubs. */
export interface ReqRespComponents {
  dialProtocol(peer: PeerId, protocol: string, options: { signal: AbortSignal }): Promise<Stream>
  handle(protocol: string, handler: StreamHandler, options: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string): Promise<void>
}

export interface RequestOptions {
  signal?: AbortSignal
  /** Overrides the protocol's deadline for this request, in milliseconds. */
  timeoutMs?: number
}

/** libp2p's own per-connection cap on inbound streams for the protocol (before ours). */
const LIBP2P_MAX_INBOUND_STREAMS_PER_CONNECTION = 16
/** How long closing a refused stream may take. */
const REFUSE_CLOSE_TIMEOUT_MS = 1000

export class ReqRespProtocol<Req, Res> {
  private readonly limiter: InboundLimiter
  private readonly inflight = new Set<AbortController>()
  private running = false

  constructor(
    private readonly components: ReqRespComponents,
    private readonly init: ReqRespProtocolInit<Req, Res>,
  ) {
    this.limiter = new InboundLimiter(init.inbound)
  }

  async start(): Promise<void> {
    if (this.running) return
    this.running = true
    await this.components.handle(
      this.init.protocol,
      (stream, connection) => {
        void this.onInbound(stream, connection)
      },
      { maxInboundStreams: LIBP2P_MAX_INBOUND_STREAMS_PER_CONNECTION },
    )
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    for (const controller of this.inflight)
      controller.abort(new RequestError('Aborted', 'node stopping'))
    this.inflight.clear()
    await this.components.unhandle(this.init.protocol)
  }

  /** Sends `request` to `peer` and returns its decoded response. Throws only RequestError. */
  async request(peer: PeerId, request: Req, options: RequestOptions = {}): Promise<Res> {
    const { protocol } = this.init
    try {
      const result = await this.exchange(peer, request, options)
      this.init.onOutcome?.('outbound', 'ok')
      return result
    } catch (err) {
      const error =
        err instanceof RequestError
          ? err
          : new RequestError('Malformed', `unexpected failure: ${String(err)}`, protocol, {
              cause: err,
            })
      this.init.onOutcome?.('outbound', error.code)
      throw error
    }
  }

  private async exchange(peer: PeerId, request: Req, options: RequestOptions): Promise<Res> {
    const { protocol } = this.init
    if (!this.running) throw new RequestError('NotStarted', 'the node is not running', protocol)
    const body = this.init.request.encode(request)
    if (body.length > this.init.requestMaxBytes) {
      throw new RequestError(
        'TooLarge',
        `request is ${body.length} bytes, over the ${this.init.requestMaxBytes}-byte cap`,
        protocol,
      )
    }
    const deadline = AbortSignal.timeout(options.timeoutMs ?? this.init.timeoutMs)
    const signal = options.signal == null ? deadline : AbortSignal.any([options.signal, deadline])
    let stream: Stream
    try {
      stream = await this.components.dialProtocol(peer, protocol, { signal })
    } catch (err) {
      if (signal.aborted) throw abortError(signal, protocol, `dialling ${peer.toString()}`)
      throw new RequestError(
        'Dial',
        `cannot open a stream to ${peer.toString()}: ${(err as Error).message}`,
        protocol,
        {
          cause: err,
        },
      )
    }
    // Listen before writing: the whole exchange can finish while the write is awaited.
    const reading = readFrame(stream, { signal, protocol, maxBytes: this.init.responseMaxBytes })
    reading.catch(() => {})
    try {
      await writeFrame(stream, body, { signal, protocol })
      const responseBytes = await reading
      return this.decode(this.init.response, responseBytes, this.init.responseMaxBytes, 'response')
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }

  private decode<T>(codec: BodyCodec<T>, bytes: Uint8Array, maxBytes: number, what: string): T {
    try {
      return codec.decode(bytes, { maxBytes })
    } catch (err) {
      throw new RequestError(
        'Decode',
        `${what} does not decode: ${(err as Error).message}`,
        this.init.protocol,
        {
          cause: err,
        },
      )
    }
  }

  private async onInbound(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer
    const peerKey = peer.toString()
    const { protocol, handler } = this.init
    const admitted = handler == null ? 'no-handler' : this.limiter.admit(peerKey)
    if (admitted !== 'ok') {
      this.init.onOutcome?.('inbound', admitted === 'no-handler' ? 'HandlerFailed' : 'RateLimited')
      // Closing without a frame tells the caller "refused" (it sees Refused, not a reset).
      await stream
        .close({ signal: AbortSignal.timeout(REFUSE_CLOSE_TIMEOUT_MS) })
        .catch((err: Error) => {
          stream.abort(err)
        })
      return
    }
    const controller = new AbortController()
    this.inflight.add(controller)
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.init.timeoutMs)])
    try {
      const requestBytes = await readFrame(stream, {
        signal,
        protocol,
        maxBytes: this.init.requestMaxBytes,
      })
      const request = this.decode(
        this.init.request,
        requestBytes,
        this.init.requestMaxBytes,
        'request',
      )
      const response = await this.runHandler(handler!, request, { peer, signal })
      await writeFrame(stream, response, { signal, protocol })
      this.init.onOutcome?.('inbound', 'ok')
    } catch (err) {
      const code = err instanceof RequestError ? err.code : 'HandlerFailed'
      this.init.onOutcome?.('inbound', code)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    } finally {
      this.inflight.delete(controller)
      this.limiter.release(peerKey)
    }
  }

  private async runHandler(
    handler: RequestHandler<Req, Res>,
    request: Req,
    context: RequestContext,
  ): Promise<Uint8Array> {
    const { protocol } = this.init
    let body: Uint8Array
    try {
      body = this.init.response.encode(await raceSignal(handler(request, context), context.signal))
    } catch (err) {
      if (context.signal.aborted) throw abortError(context.signal, protocol, 'handling the request')
      throw new RequestError(
        'HandlerFailed',
        `handler failed: ${(err as Error).message}`,
        protocol,
        {
          cause: err,
        },
      )
    }
    if (body.length > this.init.responseMaxBytes) {
      throw new RequestError(
        'HandlerFailed',
        `handler returned ${body.length} bytes, over the ${this.init.responseMaxBytes}-byte response cap`,
        protocol,
      )
    }
    return body
  }
}
