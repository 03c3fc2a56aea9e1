import { AccountDecodeError } from './errors.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })
const utf8Encoder = new TextEncoder()

/**
 * A bounded Borsh reader over one account's data: every read checks the
 * remaining bytes first, and every declared length is checked against its cap
 * and the remaining bytes before anything is allocated.
 */
export class BorshReader {
  private readonly view: DataView
  offset = 0

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  private need(n: number, what: string): void {
    if (this.bytes.length - this.offset < n) {
      throw new AccountDecodeError(
        'Truncated',
        this.offset,
        `${what} needs ${n} bytes, ${this.bytes.length - this.offset} left`,
      )
    }
  }

  fixed(n: number, what: string): Uint8Array {
    this.need(n, what)
    const out = this.bytes.subarray(this.offset, this.offset + n)
    this.offset += n
    return out
  }

  u8(what: string): number {
    this.need(1, what)
    return this.bytes[this.offset++]!
  }

  /** Borsh bool: exactly 0 or 1. */
  bool(what: string): boolean {
    const at = this.offset
    const b = this.u8(what)
    if (b > 1) throw new AccountDecodeError('BadBool', at, `${what} is ${b}, not 0 or 1`)
    return b === 1
  }

  u32(what: string): number {
    this.need(4, what)
    const v = this.view.getUint32(this.offset, true)
    this.offset += 4
    return v
  }

  u64(what: string): bigint {
    this.need(8, what)
    const v = this.view.getBigUint64(this.offset, true)
    this.offset += 8
    return v
  }

  i64(what: string): bigint {
    this.need(8, what)
    const v = this.view.getBigInt64(this.offset, true)
    this.offset += 8
    return v
  }

  /** A u32 count, rejected when above `max` before any item is read. */
  count(max: number, what: string): number {
    const at = this.offset
    const n = this.u32(what)
    if (n > max) throw new AccountDecodeError('OverCap', at, `${what} is ${n}, at most ${max}`)
    return n
  }

  /** Borsh String: u32 byte length (at most `maxBytes`), then strict UTF-8. */
  string(maxBytes: number, what: string): string {
    const n = this.count(maxBytes, `${what} length`)
    const at = this.offset
    const raw = this.fixed(n, what)
    try {
      return utf8.decode(raw)
    } catch {
      throw new AccountDecodeError('BadUtf8', at, `${what} is not valid UTF-8`)
    }
  }
}

/** A growable Borsh writer for the same primitives. */
export class BorshWriter {
  private buf = new Uint8Array(128)
  private view = new DataView(this.buf.buffer)
  private length = 0

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n))
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    this.view = new DataView(next.buffer)
  }

  fixed(bytes: Uint8Array): this {
    this.reserve(bytes.length)
    this.buf.set(bytes, this.length)
    this.length += bytes.length
    return this
  }

  u8(v: number): this {
    this.reserve(1)
    this.view.setUint8(this.length, v)
    this.length += 1
    return this
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0)
  }

  u32(v: number): this {
    this.reserve(4)
    this.view.setUint32(this.length, v, true)
    this.length += 4
    return this
  }

  u64(v: bigint): this {
    this.reserve(8)
    this.view.setBigUint64(this.length, v, true)
    this.length += 8
    return this
  }

  i64(v: bigint): this {
    this.reserve(8)
    this.view.setBigInt64(this.length, v, true)
    this.length += 8
    return this
  }

  string(s: string): this {
    const bytes = utf8Encoder.encode(s)
    return this.u32(bytes.length).fixed(bytes)
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length)
  }
}
