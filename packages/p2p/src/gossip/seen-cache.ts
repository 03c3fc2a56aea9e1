/**
 * A bounded set of message ids, to ignore a valid message seen before
 * (gossipsub's own seen cache forgets after two minutes; this one forgets
 * only the oldest entries beyond its capacity). Message ids are already
 * content hashes (`gossipMessageId`), so nothing is hashed again here.
 */
import { BytesCache } from './bytes-cache.js'

export class SeenCache {
  private readonly ids: BytesCache<true>

  constructor(capacity: number) {
    this.ids = new BytesCache(capacity)
  }

  /** Adds `messageId`; false when it was already there. */
  add(messageId: Uint8Array): boolean {
    return this.ids.add(messageId, true)
  }
}
