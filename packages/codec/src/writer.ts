/**
 * Writes into one buffer allocated up front at the exact encoded size (the
 * schema computes it first), so encoding never grows or copies a buffer.
 */
export class Writer {
  readonly bytes: Uint8Array
  readonly view: DataView
  pos = 0

  constructor(size: number) {
    this.bytes = new Uint8Array(size)
    this.view = new DataView(this.bytes.buffer)
  }

  u8(v: number): void {
    this.bytes[this.pos++] = v
  }

  u32(v: number): void {
    this.view.setUint32(this.pos, v, true)
    this.pos += 4
  }

  u64(v: bigint): void {
    this.view.setBigUint64(this.pos, v, true)
    this.pos += 8
  }

  i64(v: bigint): void {
    this.view.setBigInt64(this.pos, v, true)
    this.pos += 8
  }

  /** A u64 length prefix; lengths here always fit a JS number. */
  length(n: number): void {
    this.view.setUint32(this.pos, n % 4294967296, true)
    this.view.setUint32(this.pos + 4, Math.floor(n / 4294967296), true)
    this.pos += 8
  }

  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.pos)
    this.pos += bytes.length
  }
}
