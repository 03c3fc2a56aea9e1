/**
 * Reading and writing one frame on a libp2p 3 stream, bounded by a signal.
 */
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { RequestError } from '../errors.js'
import { encodeFrame, FrameDecoder } from './frame.js'

export interface FrameIoOptions {
  /** Aborts the read or write; the reason becomes the error. */
  signal: AbortSignal
  /** Names the exchange in error messages. */
  protocol: string
}

/** Maps an abort reason to the RequestError the caller sees. */
export function abortError(signal: AbortSignal, protocol: string, what: string): RequestError {
  const reason: unknown = signal.reason
  if (reason instanceof RequestError) return reason
  // Duck-typed: AbortSignal.timeout's DOMException may come from another realm.
  const timedOut = (reason as { name?: unknown } | undefined)?.name === 'TimeoutError'
  return new RequestError(
    timedOut ? 'Timeout' : 'Aborted',
    `${what}: ${timedOut ? 'deadline passed' : 'aborted'}`,
    protocol,
    { cause: reason },
  )
}

/**
 * Reads exactly one frame of at most `maxBytes` from `stream`. Resolves with
 * the body; rejects with a RequestError: `TooLarge`/`Malformed` from the
 * decoder, `Refused` when the stream ended without a frame (the remote refused,
 * or a connection close on either side ended it),
 * `Reset` when it reset the stream, `Timeout`/`Aborted` from the signal.
 */
export function readFrame(
  stream: Stream,
  options: FrameIoOptions & { maxBytes: number },
): Promise<Uint8Array> {
  return readUntil(stream, options, (decoder, chunk) => decoder.push(chunk))
}

/**
 * Reads only as far as the frame's length prefix and resolves with the
 * declared length (body bytes that came with it are dropped). Rejects like
 * `readFrame`, `TooLarge` included, so a refused stream still shows a peer
 * that declares a frame over the cap.
 */
export function readDeclaredLength(
  stream: Stream,
  options: FrameIoOptions & { maxBytes: number },
): Promise<number> {
  return readUntil(stream, options, (decoder, chunk) => {
    decoder.push(chunk)
    return decoder.declaredLength
  })
}

/**
 * Feeds the stream's chunks to a FrameDecoder through `step` until it
 * returns a value; the listeners are removed as soon as it settles, so
 * nothing keeps reading afterwards.
 */
function readUntil<T>(
  stream: Stream,
  options: FrameIoOptions & { maxBytes: number },
  step: (decoder: FrameDecoder, chunk: StreamMessageEvent['data']) => T | undefined,
): Promise<T> {
  const { signal, protocol, maxBytes } = options
  const decoder = new FrameDecoder(maxBytes, protocol)
  let resolve: (value: T) => void = () => {}
  let reject: (error: unknown) => void = () => {}
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  let settled = false

  const finish = (result: { value: T } | { error: unknown }): void => {
    if (settled) return
    settled = true
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('end', onEnd)
    stream.removeEventListener('close', onClose)
    signal.removeEventListener('abort', onAbort)
    if ('value' in result) resolve(result.value)
    else reject(result.error)
  }
  const onMessage = (evt: StreamMessageEvent): void => {
    if (settled) return
    try {
      const value = step(decoder, evt.data)
      if (value !== undefined) finish({ value })
    } catch (error) {
      finish({ error })
    }
  }
  const onEnd = (): void => {
    // A remote reset also ends the readable side, before its 'close' event.
    if (stream.status === 'reset') {
      finish({ error: new RequestError('Reset', 'remote reset the stream', protocol) })
      return
    }
    try {
      decoder.end()
      // A graceful end: the remote refused, or a connection close (either side's: a hang-up
      // on this side ends the stream the same way) took the stream with it.
      finish({
        error: new RequestError(
          'Refused',
          'the stream ended without a frame (the remote refused, or the connection was closed)',
          protocol,
        ),
      })
    } catch (error) {
      finish({ error })
    }
  }
  const onClose = (evt: StreamCloseEvent): void => {
    if (evt.error == null) {
      onEnd()
      return
    }
    const remote = evt.local !== true
    finish({
      error: new RequestError(
        remote ? 'Reset' : 'Aborted',
        remote ? 'remote reset the stream' : `stream aborted: ${evt.error.message}`,
        protocol,
        { cause: evt.error },
      ),
    })
  }
  const onAbort = (): void => finish({ error: abortError(signal, protocol, 'reading the frame') })

  if (signal.aborted) {
    onAbort()
    return promise
  }
  signal.addEventListener('abort', onAbort)
  stream.addEventListener('message', onMessage)
  stream.addEventListener('end', onEnd)
  stream.addEventListener('close', onClose)
  // Nothing more will arrive on a stream that already ended or closed with nothing buffered.
  const over = stream.readableEnded || (stream.status !== 'open' && stream.status !== 'closing')
  if (over && stream.readBufferLength === 0) onEnd()
  return promise
}

/** Writes `body` as one frame and closes the writable end. */
export async function writeFrame(
  stream: Stream,
  body: Uint8Array,
  options: FrameIoOptions,
): Promise<void> {
  try {
    if (!stream.send(encodeFrame(body))) await stream.onDrain({ signal: options.signal })
    await stream.close({ signal: options.signal })
  } catch (err) {
    if (options.signal.aborted)
      throw abortError(options.signal, options.protocol, 'writing the frame')
    throw new RequestError(
      'Reset',
      `could not write the frame: ${(err as Error).message}`,
      options.protocol,
      {
        cause: err,
      },
    )
  }
}

/**
 * Aborts `stream` if it is still open `ms` from now: every stream gets a
 * total deadline, whatever the peer does (libp2p's `inactivityTimeout`
 * option is not enforced by the streams themselves).
 */
export function enforceDeadline(stream: Stream, ms: number, protocol: string): void {
  const timer = setTimeout(() => {
    stream.abort(new RequestError('Timeout', `stream still open after ${ms} ms`, protocol))
  }, ms)
  timer.unref?.()
  stream.addEventListener('close', () => clearTimeout(timer), { once: true })
}

/**
 * Stops reading `stream`: drops what is buffered and everything that
 * arrives later, so a peer that keeps pushing after its frame costs nothing.
 */
export function stopReading(stream: Stream): void {
  if (stream.readStatus === 'closing' || stream.readStatus === 'closed') return
  stream.closeRead().catch((err: Error) => stream.abort(err))
}

/**
 * Turns `stream` away without an answer: stops reading, closes our write
 * side (the caller reads that as Refused) and resets the stream at once, so
 * nothing the peer pushes afterwards is buffered.
 */
export async function refuseStream(stream: Stream, reason: Error): Promise<void> {
  stopReading(stream)
  await stream.close({ signal: AbortSignal.timeout(REFUSE_CLOSE_TIMEOUT_MS) }).catch(() => {
    // Not closed gracefully in time: the reset below ends it anyway.
  })
  stream.abort(reason)
}

/** How long closing a refused stream may take before it is only reset. */
const REFUSE_CLOSE_TIMEOUT_MS = 1000
