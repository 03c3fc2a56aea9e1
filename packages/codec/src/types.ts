/**
 * The TS shapes of the wire types (wire.md, "Types"). Field names are the
 * camelCase forms of the Rust names; u64/i64 are `bigint`; byte arrays are
 * `Uint8Array` (views into the input when decoded).
 */

/** `[u8; 32]` ed25519 public key = Solana address bytes = libp2p peer key. */
export type Pubkey = Uint8Array
/** `[u8; 32]`. */
export type Hash = Uint8Array
/** `[u8; 64]` ed25519 signature. */
export type Signature = Uint8Array

export type Network = 'Mainnet' | 'Devnet' | 'Testnet' | 'Localnet'
export type VoteKind = 'Prevote' | 'Precommit'

export interface BlockHeader {
  network: Network
  height: bigint
  round: number
  parentHash: Hash
  stateRoot: Hash
  txRoot: Hash
  proposer: Pubkey
  timestampMs: bigint
}

export interface BlockProposal {
  header: BlockHeader
  transactions: Uint8Array[]
  signature: Signature
}

export interface Vote {
  network: Network
  height: bigint
  round: number
  kind: VoteKind
  blockHash: Hash | null
  voter: Pubkey
  signature: Signature
}

export type JobOutcome =
  | { type: 'Completed'; output: Uint8Array; outputHash: Hash }
  | { type: 'Failed'; reason: string }
  | { type: 'TimedOut'; limitMs: bigint }

export interface ComputeJobResult {
  network: Network
  /** `[u8; 16]`. */
  jobId: Uint8Array
  executor: Pubkey
  outcome: JobOutcome
  executionTimeMs: bigint
  memoryUsedBytes: bigint
  instructionsExecuted: bigint
  signature: Signature
}

/** The Kademlia self-registration record, key `/paraloom-validator/<base58 identity>`. */
export interface ValidatorRecord {
  network: Network
  identity: Pubkey
  /** At most 8, each at most 256 UTF-8 bytes. */
  multiaddrs: string[]
  seq: bigint
  issuedAtMs: bigint
  signature: Signature
}

export interface StateSyncRequest {
  network: Network
  fromHeight: bigint
  maxBlocks: number
}

export interface StateSyncResponse {
  tipHeight: bigint
  blocks: BlockProposal[]
}

export interface WithdrawalProofRequest {
  network: Network
  nullifier: Hash
}

export type WithdrawalProofResponse =
  | { type: 'Found'; merkleRoot: Hash; leafIndex: bigint; siblings: Hash[]; proof: Uint8Array }
  | { type: 'Pending'; etaSlots: bigint }
  | { type: 'NotFound' }
