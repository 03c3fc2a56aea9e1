/**
 * An in-memory `ValidatorDirectory`: the registry for tests, fixtures and
 * embedders that take their validator set from somewhere other than the
 * chain. `set()`, `add()` and `remove()` notify listeners like a registry
 * update would.
 */

import type { DirectoryChange, SeedPeer, ValidatorDirectory } from '@paraloom/interface'
import { toString as toHex } from 'uint8arrays/to-string'
import { peerIdFromPublicKeyBytes, solanaAddressFromPublicKey } from './identity.js'

const keyOf = (publicKey: Uint8Array): string => toHex(publicKey, 'base16')

export class StaticDirectory implements ValidatorDirectory {
  private readonly peers = new Map<string, SeedPeer>()
  private readonly listeners = new Set<(change: DirectoryChange) => void>()

  constructor(peers: Iterable<SeedPeer> = []) {
    for (const peer of peers) this.peers.set(keyOf(peer.publicKey), peer)
  }

  seeds(): readonly SeedPeer[] {
    return [...this.peers.values()]
  }

  isActiveValidator(publicKey: Uint8Array): boolean {
    return this.peers.has(keyOf(publicKey))
  }

  onChange(listener: (change: DirectoryChange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Adds a validator, or replaces the entry with the same key. */
  add(peer: SeedPeer): void {
    const key = keyOf(peer.publicKey)
    const existed = this.peers.has(key)
    this.peers.set(key, peer)
    this.emit(
      existed
        ? { added: [], removed: [], updated: [peer] }
        : { added: [peer], removed: [], updated: [] },
    )
  }

  /** Deactivates a validator (as if its account turned inactive). */
  remove(publicKey: Uint8Array): void {
    const key = keyOf(publicKey)
    const peer = this.peers.get(key)
    if (peer == null) return
    this.peers.delete(key)
    this.emit({ added: [], removed: [peer], updated: [] })
  }

  private emit(change: DirectoryChange): void {
    for (const listener of this.listeners) listener(change)
  }
}

/**
 * A SeedPeer for `publicKey` (32 bytes) at `multiaddrs`; `/p2p/<peerId>` is
 * appended to each address that lacks it.
 */
export function seedPeer(
  publicKey: Uint8Array,
  multiaddrs: readonly string[],
  extra: { stake?: bigint; reputation?: bigint } = {},
): SeedPeer {
  const peerId = peerIdFromPublicKeyBytes(publicKey).toString()
  return {
    identity: solanaAddressFromPublicKey(publicKey),
    publicKey,
    peerId,
    multiaddrs: multiaddrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${peerId}`)),
    stake: extra.stake ?? 0n,
    reputation: extra.reputation ?? 0n,
  }
}
