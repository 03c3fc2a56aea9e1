import { CodecError } from './errors.js'

const TWO_POW_32 = 4294967296

/**
 * A cursor over the input. Every read checks the bytes that remain first and
 * throws `CodecError('Truncated')` at the offset the read started from.
 */
export class Reader {
  readonly bytes: Uint8Array
  readonly view: DataView
  pos = 0

  constructor(bytes: Uint8Array) {
    this.bytes = bytes
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  get remaining(): number {
    return this.bytes.length - this.pos
  }

  /** Throws `Truncated` unless `n` more bytes are available. */
  need(n: number, what: string): void {
    if (this.bytes.length - this.pos < n) {
      throw new CodecError(
        'Truncated',
        this.pos,
        `${what} needs ${n} bytes, ${this.remaining} remain`,
      )
    }
  }

  u8(what: string): number {
    this.need(1, what)
    return this.bytes[this.pos++]!
  }

  u32(what: string): number {
    this.need(4, what)
    const v = this.view.getUint32(this.pos, true)
    this.pos += 4
    return v
  }

  u64(what: string): bigint {
    this.need(8, what)
    const v = this.view.getBigUint64(this.pos, true)
    this.pos += 8
    return v
  }

  i64(what: string): bigint {
    this.need(8, what)
    const v = this.view.getBigInt64(this.pos, true)
    this.pos += 8
    return v
  }

  /** A view of the next `n` bytes (aliases the input, no copy). */
  take(n: number, what: string): Uint8Array {
    this.need(n, what)
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /**
   * Reads a u64 length or count prefix and checks it before the caller
   * allocates or loops (wire.md rules 2 and 4): first `count × minItemBytes`
   * against the bytes that remain (`Truncated`), then against the schema cap
   * `max` (`TooLarge`). Both halves of the u64 are compared without
   * converting it to a lossy number, so 2^64-1 fails at once.
   */
  count(minItemBytes: number, max: number | undefined, what: string, unit = 'items'): number {
    const start = this.pos
    this.need(8, `${what} length`)
    const lo = this.view.getUint32(start, true)
    const hi = this.view.getUint32(start + 4, true)
    this.pos += 8
    // An item of zero bytes would make any count fit; count it as one byte.
    const itemBytes = Math.max(1, minItemBytes)
    // lo < 2^32 and itemBytes is a small schema constant, so the product is exact.
    if (hi !== 0 || lo * itemBytes > this.remaining) {
      const declared = BigInt(hi) * BigInt(TWO_POW_32) + BigInt(lo)
      throw new CodecError(
        'Truncated',
        start,
        `${what} declares ${declared} ${unit} of at least ${itemBytes} bytes, ${this.remaining} bytes remain`,
      )
    }
    if (max !== undefined && lo > max) {
      throw new CodecError(
        'TooLarge',
        start,
        `${what} declares ${lo} ${unit}, at most ${max} allowed`,
      )
    }
    return lo
  }
}
