/**
 * Keeps liveness's watched peers equal to the validator directory: every
 * validator but this node, refreshed on every registry change.
 */
import type { Logger, ValidatorDirectory } from '@paraloom/interface'
import { peerIdFromSolanaAddress } from '../identity.js'
import type { Liveness, LivenessPeer } from './liveness.js'

export interface DirectorySyncComponents {
  directory: ValidatorDirectory
  liveness: Pick<Liveness, 'setPeers'>
  log: Logger
}

/**
 * Sets the watched peers now and after every directory change, leaving out
 * `self` (this node's identity) and seeds whose identity is not a key.
 * Returns the function that stops following the directory.
 */
export function syncLivenessWithDirectory(
  components: DirectorySyncComponents,
  self: string,
): () => void {
  const { directory, liveness, log } = components
  const update = (): void => {
    const peers = directory.seeds().flatMap((seed): LivenessPeer[] => {
      if (seed.identity === self) return []
      try {
        return [{ peerId: peerIdFromSolanaAddress(seed.identity), identity: seed.identity }]
      } catch {
        return []
      }
    })
    try {
      liveness.setPeers(peers)
    } catch (err) {
      log.warn('liveness cannot watch the validator set', { error: (err as Error).message })
    }
  }
  update()
  return directory.onChange(update)
}
