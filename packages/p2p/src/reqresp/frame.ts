/**
 * One unsigned-varint length-prefixed frame per direction (network.md,
 * "Request/response"). `FrameDecoder` is the pure part: it rejects a frame
 * from its length prefix alone when the declared length is over the cap, and
 * keeps "the prefix is incomplete" apart from "the prefix is malformed".
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { RequestError } from '../errors.js'

/** Longest unsigned varint we read; anything longer is malformed. */
export const MAX_VARINT_BYTES = 10

/** Encodes `value` (a non-negative safe integer) as a minimal unsigned varint. */
export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`varint value must be a non-negative safe integer, got ${value}`)
  }
  const out: number[] = []
  let rest = value
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
  return Uint8Array.from(out)
}

/** `varint(body.length) || body`. */
export function encodeFrame(body: Uint8Array): Uint8Array {
  const prefix = encodeVarint(body.length)
  const frame = new Uint8Array(prefix.length + body.length)
  frame.set(prefix)
  frame.set(body, prefix.length)
  return frame
}

/** What the stream ended on when no complete frame had arrived. */
export type FrameEnd = 'empty'

/**
 * Incremental frame decoder. Feed it chunks with `push`; it returns the body
 * once complete. It never holds more than the prefix plus the declared
 * length, and that length is checked against `maxBytes` before any body byte
 * is kept.
 */
export class FrameDecoder {
  private prefixBytes = 0
  private length = 0
  private lengthKnown = false
  private readonly body = new Uint8ArrayList()
  private done = false

  constructor(
    private readonly maxBytes: number,
    private readonly protocol?: string,
  ) {}

  /** Consumes a chunk; returns the body when the frame is complete, else undefined. */
  push(chunk: Uint8Array | { subarray(): Uint8Array }): Uint8Array | undefined {
    if (this.done) throw this.error('Malformed', 'bytes after the frame')
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    let offset = 0
    while (!this.lengthKnown && offset < bytes.length) {
      this.pushPrefixByte(bytes[offset] as number)
      offset++
    }
    if (!this.lengthKnown) return undefined
    const rest = bytes.length - offset
    if (this.body.byteLength + rest > this.length) {
      throw this.error('Malformed', `bytes after the ${this.length}-byte frame`)
    }
    if (rest > 0) this.body.append(bytes.subarray(offset))
    if (this.body.byteLength < this.length) return undefined
    this.done = true
    return this.body.subarray()
  }

  /** The length the frame's prefix declares, once the prefix is complete. */
  get declaredLength(): number | undefined {
    return this.lengthKnown ? this.length : undefined
  }

  /** The stream ended. Returns 'empty' when nothing at all arrived; throws when a frame was cut short. */
  end(): FrameEnd {
    if (this.done) throw this.error('Malformed', 'frame already complete')
    if (this.prefixBytes === 0) return 'empty'
    if (!this.lengthKnown) {
      throw this.error(
        'Malformed',
        `stream ended inside the length prefix (${this.prefixBytes} bytes)`,
      )
    }
    throw this.error(
      'Malformed',
      `stream ended after ${this.body.byteLength} of ${this.length} body bytes (truncated)`,
    )
  }

  private pushPrefixByte(byte: number): void {
    if (this.prefixBytes === MAX_VARINT_BYTES) {
      throw this.error('Malformed', `length prefix longer than ${MAX_VARINT_BYTES} bytes`)
    }
    this.length += (byte & 0x7f) * 2 ** (7 * this.prefixBytes)
    this.prefixBytes++
    // The value only grows with more groups, so a partial value over the cap is final.
    if (this.length > this.maxBytes) {
      throw this.error(
        'TooLarge',
        `frame declares ${this.length}${byte & 0x80 ? '+' : ''} bytes, over the ${this.maxBytes}-byte cap`,
      )
    }
    if ((byte & 0x80) !== 0) return
    if (byte === 0 && this.prefixBytes > 1) {
      throw this.error('Malformed', 'length prefix is not a minimal varint')
    }
    this.lengthKnown = true
  }

  private error(code: 'Malformed' | 'TooLarge', message: string): RequestError {
    return new RequestError(code, message, this.protocol)
  }
}
