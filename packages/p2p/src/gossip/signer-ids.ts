/**
 * The PeerId of each payload signer, built once per key: under StrictNoSign
 * a delivered message's author is its payload's signer, and building a
 * PeerId (key import, multihash) for every delivery would cost more than
 * the rest of the delivery. Bounded like a validator set.
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPublicKeyBytes } from '../identity.js'
import { BytesCache } from './bytes-cache.js'

export class SignerIds {
  private readonly ids: BytesCache<PeerId>

  constructor(capacity: number) {
    this.ids = new BytesCache(capacity)
  }

  /** The PeerId of a 32-byte ed25519 signer key. */
  get(signer: Uint8Array): PeerId {
    let id = this.ids.get(signer)
    if (id === undefined) {
      id = peerIdFromPublicKeyBytes(signer)
      this.ids.add(signer, id)
    }
    return id
  }
}
