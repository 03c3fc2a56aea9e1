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
import { raceSignal } from 'race-signal'
import { deadlineSignal } from '../deadline.js'
import { RequestError } from '../errors.js'
import { PeerAction, type PeerOffence } from '../peers/peer-action.js'
import { type AdmitResult, InboundLimiter, type InboundLimits } from './inbound-limiter.js'
import {
  abortError,
  enforceDeadline,
  readDeclaredLength,
  readFrame,
  refuseStream,
  stopReading,
  writeFrame,
} from './stream-io.js'

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
  /** Called when an inbound peer misbehaves, to score (and maybe ban) it. */
  onPeerAction?(peer: PeerId, action: PeerAction, offence: PeerOffence): void
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

/**
 * libp2p's own per-connection cap on inbound streams for the protocol, checked
 * before ours: room for the per-peer concurrency limit plus streams being
 * refused. Each holds at most one request frame (64 KiB), so one connection
 * can make this protocol hold at most 1 MiB.
 */
const LIBP2P_MAX_INBOUND_STREAMS_PER_CONNECTION = 16
/**
 * How long a refused stream is watched for its length prefix before it is
 * reset: a caller sends its frame at once, and a peer that declares a frame
 * over the cap is banned even when refused.
 */
const REFUSE_PEEK_TIMEOUT_MS = 1000
/**
 * How long a stream may outlive its exchange's deadline. The exchange ends
 * first with a typed error; this ends what it leaves behind (a peer that never
 * closes its side).
 */
export const STREAM_DEADLINE_GRACE_MS = 1000

/** What each inbound request error costs the peer that caused it; unlisted codes cost nothing. */
const INBOUND_PENALTIES: Partial<Record<RequestError['code'], [PeerAction, PeerOffence]>> = {
  TooLarge: [PeerAction.Fatal, 'oversize_request'],
  Malformed: [PeerAction.LowToleranceError, 'malformed_request'],
  Decode: [PeerAction.LowToleranceError, 'malformed_request'],
  Timeout: [PeerAction.MidToleranceError, 'request_timeout'],
}

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
    let body: Uint8Array
    try {
      body = this.init.request.encode(request)
    } catch (err) {
      throw new RequestError(
        'Invalid',
        `request does not encode: ${(err as Error).message}`,
        protocol,
        {
          cause: err,
        },
      )
    }
    if (body.length > this.init.requestMaxBytes) {
      throw new RequestError(
        'TooLarge',
        `request is ${body.length} bytes, over the ${this.init.requestMaxBytes}-byte cap`,
        protocol,
      )
    }
    const timeoutMs = options.timeoutMs ?? this.init.timeoutMs
    const deadline = deadlineSignal(timeoutMs, options.signal)
    try {
      return await this.exchangeFrames(peer, body, deadline.signal, timeoutMs)
    } finally {
      deadline.clear()
    }
  }

  /** Opens the stream, writes the request frame and reads the response, all under `signal`. */
  private async exchangeFrames(
    peer: PeerId,
    body: Uint8Array,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<Res> {
    const { protocol } = this.init
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
    enforceDeadline(stream, timeoutMs + STREAM_DEADLINE_GRACE_MS, protocol)
    // Listen before writing: the whole exchange can finish while the write is awaited.
    const reading = readFrame(stream, { signal, protocol, maxBytes: this.init.responseMaxBytes })
    // Its rejection is awaited below; this only keeps an early one from counting as unhandled.
    reading.catch(() => {})
    try {
      await writeFrame(stream, body, { signal, protocol })
      const responseBytes = await reading
      stopReading(stream)
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
    enforceDeadline(stream, this.init.timeoutMs + STREAM_DEADLINE_GRACE_MS, protocol)
    const admitted = handler == null ? 'no-handler' : this.limiter.admit(peerKey)
    if (admitted !== 'ok') {
      await this.refuse(stream, peer, admitted)
      return
    }
    const controller = new AbortController()
    this.inflight.add(controller)
    const deadline = deadlineSignal(this.init.timeoutMs, controller.signal)
    const signal = deadline.signal
    try {
      const request = await this.readRequest(stream, peer, signal)
      const response = await this.runHandler(handler!, request, { peer, signal })
      await writeFrame(stream, response, { signal, protocol })
      this.init.onOutcome?.('inbound', 'ok')
    } catch (err) {
      const code = err instanceof RequestError ? err.code : 'HandlerFailed'
      this.init.onOutcome?.('inbound', code)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    } finally {
      deadline.clear()
      this.inflight.delete(controller)
      this.limiter.release(peerKey)
    }
  }

  /** Reads and decodes the request frame, then stops reading; charges the peer for a bad one. */
  private async readRequest(stream: Stream, peer: PeerId, signal: AbortSignal): Promise<Req> {
    const maxBytes = this.init.requestMaxBytes
    try {
      const bytes = await readFrame(stream, { signal, protocol: this.init.protocol, maxBytes })
      stopReading(stream)
      return this.decode(this.init.request, bytes, maxBytes, 'request')
    } catch (err) {
      // Reset first: a ban's disconnect would otherwise end the stream another way.
      stream.abort(err as Error)
      // A deadline that passed because this node is stopping is not the peer's doing.
      if (err instanceof RequestError && this.running) this.penalise(peer, err)
      throw err
    }
  }

  /**
   * Turns an inbound stream away (no handler, or over the limits). Its length
   * prefix is read first, briefly, so a peer declaring a frame over the cap is
   * still banned; then the stream is reset.
   */
  private async refuse(
    stream: Stream,
    peer: PeerId,
    why: Exclude<AdmitResult, 'ok'> | 'no-handler',
  ): Promise<void> {
    const { protocol } = this.init
    // The protocol being busy is everyone's doing, not this peer's.
    if (why === 'rate-limited' || why === 'peer-busy') {
      this.init.onPeerAction?.(peer, PeerAction.HighToleranceError, 'rate_limited')
    }
    try {
      await readDeclaredLength(stream, {
        signal: AbortSignal.timeout(REFUSE_PEEK_TIMEOUT_MS),
        protocol,
        maxBytes: this.init.requestMaxBytes,
      })
    } catch (err) {
      if (err instanceof RequestError && (err.code === 'TooLarge' || err.code === 'Malformed')) {
        this.init.onOutcome?.('inbound', err.code)
        stream.abort(err)
        this.penalise(peer, err)
        return
      }
    }
    this.init.onOutcome?.('inbound', why === 'no-handler' ? 'Refused' : 'RateLimited')
    await refuseStream(stream, new RequestError('Refused', `refused: ${why}`, protocol))
  }

  private penalise(peer: PeerId, error: RequestError): void {
    const penalty = INBOUND_PENALTIES[error.code]
    if (penalty != null) this.init.onPeerAction?.(peer, ...penalty)
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
