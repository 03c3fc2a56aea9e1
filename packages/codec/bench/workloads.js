// The two codec workloads, built deterministically so that the Rust peer
// (bench/rust-bincode at the repo root) builds the very same values: every
// byte field is filled from one xorshift32 stream seeded with SEED, in field
// order. A Vote encodes to 149 bytes, a BlockProposal with 100 transactions
// of 200 bytes to 21,024 bytes.
import { BlockProposal, Vote } from '../dist/index.js'

const SEED = 0x9e3779b9
export const BLOCK_TRANSACTIONS = 100
export const TRANSACTION_BYTES = 200

/** xorshift32: the byte stream shared with the Rust program (keep the two in step). */
function byteStream(seed) {
  let state = seed >>> 0
  return (length) => {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i++) {
      state ^= state << 13
      state >>>= 0
      state ^= state >>> 17
      state ^= state << 5
      state >>>= 0
      out[i] = state & 0xff
    }
    return out
  }
}

export function voteValue() {
  const next = byteStream(SEED)
  return {
    network: 'Devnet',
    height: 123_456_789n,
    round: 7,
    kind: 'Precommit',
    blockHash: next(32),
    voter: next(32),
    signature: next(64),
  }
}

export function blockValue() {
  const next = byteStream(SEED)
  const header = {
    network: 'Devnet',
    height: 123_456_789n,
    round: 7,
    parentHash: next(32),
    stateRoot: next(32),
    txRoot: next(32),
    proposer: next(32),
    timestampMs: 1_700_000_000_000n,
  }
  const transactions = Array.from({ length: BLOCK_TRANSACTIONS }, () => next(TRANSACTION_BYTES))
  return { header, transactions, signature: next(64) }
}

/** Each workload: its wire type, value and bincode bytes. */
export function workloads() {
  const vote = voteValue()
  const block = blockValue()
  return [
    { name: 'Vote', type: Vote, value: vote, bytes: Vote.encode(vote) },
    {
      name: 'BlockProposal',
      type: BlockProposal,
      value: block,
      bytes: BlockProposal.encode(block),
    },
  ]
}

/** FNV-1a 64 of `bytes` as 16 hex digits: the digest the Rust peer prints too. */
export function fnv1a64(bytes) {
  let hash = 0xcbf29ce484222325n
  for (const b of bytes) {
    hash ^= BigInt(b)
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn
  }
  return hash.toString(16).padStart(16, '0')
}
