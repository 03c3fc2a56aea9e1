import type { DirectoryChange, SeedPeer } from '@paraloom/interface'

function keyOf(publicKey: Uint8Array): string {
  return Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('hex')
}

function samePeer(a: SeedPeer, b: SeedPeer): boolean {
  return (
    a.stake === b.stake &&
    a.reputation === b.reputation &&
    a.multiaddrs.length === b.multiaddrs.length &&
    a.multiaddrs.every((m, i) => m === b.multiaddrs[i])
  )
}

/**
 * The admission set: the current active validators keyed by public key, so
 * "is this key an active validator right now?" is one map lookup. `replace`
 * swaps in a new set and returns what changed.
 */
export class AdmissionSet {
  private peers = new Map<string, SeedPeer>()
  private list: readonly SeedPeer[] = []

  seeds(): readonly SeedPeer[] {
    return this.list
  }

  has(publicKey: Uint8Array): boolean {
    return publicKey.length === 32 && this.peers.has(keyOf(publicKey))
  }

  replace(seeds: readonly SeedPeer[]): DirectoryChange {
    const next = new Map<string, SeedPeer>()
    for (const peer of seeds) next.set(keyOf(peer.publicKey), peer)
    const change: DirectoryChange = { added: [], removed: [], updated: [] }
    for (const [key, peer] of next) {
      const before = this.peers.get(key)
      if (before === undefined) change.added.push(peer)
      else if (!samePeer(before, peer)) change.updated.push(peer)
    }
    for (const [key, peer] of this.peers) if (!next.has(key)) change.removed.push(peer)
    this.peers = next
    this.list = [...next.values()]
    return change
  }
}

export function isEmptyChange(change: DirectoryChange): boolean {
  return change.added.length + change.removed.length + change.updated.length === 0
}
