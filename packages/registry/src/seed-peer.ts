/**
 * The registry ↔ p2p contract. `@paraloom/p2p` declares the same shapes in
 * its `directory.ts`; the registry satisfies them structurally and never
 * imports p2p.
 */

/** A usable seed peer, as the registry validated it. */
export interface SeedPeer {
  /** Base58 Solana address, which is the validator's ed25519 public key. */
  identity: string
  /** The same key as 32 raw bytes. */
  publicKey: Uint8Array
  /** The libp2p PeerId string of that ed25519 key. */
  peerId: string
  /** Dialable multiaddrs, each ending with `/p2p/<peerId>`. */
  multiaddrs: string[]
  /** Stake in lamports. */
  stake: bigint
  reputation: bigint
}

/** The difference between two successive views of the registry. */
export interface DirectoryChange {
  added: SeedPeer[]
  removed: SeedPeer[]
  updated: SeedPeer[]
}

/** What the p2p node needs from the registry. */
export interface ValidatorDirectory {
  seeds(): readonly SeedPeer[]
  /** O(1): is this 32-byte ed25519 public key an active validator right now? */
  isActiveValidator(publicKey: Uint8Array): boolean
  /** Calls `listener` after every change; returns a function that unsubscribes. */
  onChange(listener: (change: DirectoryChange) => void): () => void
}

/** One skipped account or dropped multiaddr, naming the account and why. */
export interface RegistryWarning {
  address: string
  reason: string
}
