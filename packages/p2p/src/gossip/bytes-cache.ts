/**
 * A map keyed by byte strings (message ids, public keys) that keeps at most
 * `capacity` entries: past it, the oldest insertion goes.
 */
export class BytesCache<V> {
  private readonly entries = new Map<string, V>()

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
    }
  }

  get size(): number {
    return this.entries.size
  }

  get(key: Uint8Array): V | undefined {
    return this.entries.get(textKey(key))
  }

  /** Inserts `value` under `key` unless `key` is there; false when it was. */
  add(key: Uint8Array, value: V): boolean {
    const text = textKey(key)
    if (this.entries.has(text)) return false
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(text, value)
    return true
  }
}

/** One string char per byte: the cheapest exact Map key for a byte array. */
const textKey = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
