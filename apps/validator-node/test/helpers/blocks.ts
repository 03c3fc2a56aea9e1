// Signed block proposals for tests.
import { BlockProposal, sign } from '@paraloom/codec'
import type { Keypair } from '../../src/keypair.js'

export interface BlockSpec {
  height: bigint
  round?: number
  /** Bytes of one transaction, to make a block of a given size. */
  txBytes?: number
  network?: BlockProposal['header']['network']
}

/** A devnet BlockProposal proposed and signed by `signer`. */
export function signedBlock(signer: Keypair, spec: BlockSpec): BlockProposal {
  const unsigned: BlockProposal = {
    header: {
      network: spec.network ?? 'Devnet',
      height: spec.height,
      round: spec.round ?? 0,
      parentHash: new Uint8Array(32),
      stateRoot: new Uint8Array(32).fill(1),
      txRoot: new Uint8Array(32).fill(2),
      proposer: signer.publicKey,
      timestampMs: 1_764_000_000_000n + spec.height,
    },
    transactions: spec.txBytes === undefined ? [] : [new Uint8Array(spec.txBytes).fill(9)],
    signature: new Uint8Array(64),
  }
  return sign(BlockProposal, unsigned, signer.secretKey)
}

/** Its bincode. */
export const blockBytes = (block: BlockProposal): Uint8Array => BlockProposal.encode(block)
