/**
 * The registry ↔ p2p contract: what the p2p node knows of the on-chain
 * validator registry. `@paraloom/registry` implements it, `@paraloom/p2p`
 * consumes it (p2p never imports Solana code, the registry never imports
 * p2p): the node only needs the seed peers, their changes, and "is this key
 * an active validator right now?".
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

/** The validator set as the p2p node sees it. */
export interface ValidatorDirectory {
  /** The current active validators: the seed list and the admission set. */
  seeds(): readonly SeedPeer[]
  /** O(1): is this 32-byte ed25519 public key an active validator right now? */
  isActiveValidator(publicKey: Uint8Array): boolean
  /** Calls `listener` after every change; returns a function that unsubscribes. */
  onChange(listener: (change: DirectoryChange) => void): () => void
}
