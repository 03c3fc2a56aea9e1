/**
 * A bounded set of message digests, to ignore a valid message seen before
 * (gossipsub's own seen cache forgets after two minutes; this one forgets
 * only the oldest entries beyond its capacity).
 */
import { createHash } from 'node:crypto'

export class SeenCache {
  private readonly digests = new Set<string>()

  constructor(private readonly capacity: number) {}

  /** Adds `data`; false when it was already there. */
  add(data: Uint8Array): boolean {
    const digest = createHash('sha256').update(data).digest('base64')
    if (this.digests.has(digest)) return false
    if (this.digests.size >= this.capacity) {
      const oldest = this.digests.values().next().value
      if (oldest != null) this.digests.delete(oldest)
    }
    this.digests.add(digest)
    return true
  }
}
