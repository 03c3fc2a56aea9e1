// fast-check generators for every wire type, covering the full range of each
// field (u64 extremes, empty and non-ASCII strings, every enum variant).
import fc from 'fast-check'
import type {
  BlockHeader,
  BlockProposal,
  ComputeJobResult,
  JobOutcome,
  Network,
  StateSyncRequest,
  StateSyncResponse,
  ValidatorRecord,
  Vote,
  WireTypeName,
  WithdrawalProofRequest,
  WithdrawalProofResponse,
} from '../src/index.js'

const network = fc.constantFrom<Network>('Mainnet', 'Devnet', 'Testnet', 'Localnet')
const u32 = fc.nat({ max: 0xffff_ffff })
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
const hash = fixed(32)
const signature = fixed(64)
const bytes = fc.uint8Array({ maxLength: 64 })

const blockHeader: fc.Arbitrary<BlockHeader> = fc.record({
  network,
  height: u64,
  round: u32,
  parentHash: hash,
  stateRoot: hash,
  txRoot: hash,
  proposer: hash,
  timestampMs: i64,
})

const blockProposal: fc.Arbitrary<BlockProposal> = fc.record({
  header: blockHeader,
  transactions: fc.array(bytes, { maxLength: 6 }),
  signature,
})

const vote: fc.Arbitrary<Vote> = fc.record({
  network,
  height: u64,
  round: u32,
  kind: fc.constantFrom('Prevote' as const, 'Precommit' as const),
  blockHash: fc.option(hash, { nil: null }),
  voter: hash,
  signature,
})

const jobOutcome: fc.Arbitrary<JobOutcome> = fc.oneof(
  fc.record({ type: fc.constant('Completed' as const), output: bytes, outputHash: hash }),
  fc.record({ type: fc.constant('Failed' as const), reason: fc.string({ unit: 'binary' }) }),
  fc.record({ type: fc.constant('TimedOut' as const), limitMs: u64 }),
)

const computeJobResult: fc.Arbitrary<ComputeJobResult> = fc.record({
  network,
  jobId: fixed(16),
  executor: hash,
  outcome: jobOutcome,
  executionTimeMs: u64,
  memoryUsedBytes: u64,
  instructionsExecuted: u64,
  signature,
})

const validatorRecord: fc.Arbitrary<ValidatorRecord> = fc.record({
  network,
  identity: hash,
  // At most 8 addresses of at most 64 code points (<= 256 UTF-8 bytes).
  multiaddrs: fc.array(fc.string({ unit: 'binary', maxLength: 64 }), { maxLength: 8 }),
  seq: u64,
  issuedAtMs: i64,
  signature,
})

const stateSyncRequest: fc.Arbitrary<StateSyncRequest> = fc.record({
  network,
  fromHeight: u64,
  maxBlocks: u32,
})

const stateSyncResponse: fc.Arbitrary<StateSyncResponse> = fc.record({
  tipHeight: u64,
  blocks: fc.array(blockProposal, { maxLength: 3 }),
})

const withdrawalProofRequest: fc.Arbitrary<WithdrawalProofRequest> = fc.record({
  network,
  nullifier: hash,
})

const withdrawalProofResponse: fc.Arbitrary<WithdrawalProofResponse> = fc.oneof(
  fc.record({
    type: fc.constant('Found' as const),
    merkleRoot: hash,
    leafIndex: u64,
    siblings: fc.array(hash, { maxLength: 5 }),
    proof: bytes,
  }),
  fc.record({ type: fc.constant('Pending' as const), etaSlots: u64 }),
  fc.record({ type: fc.constant('NotFound' as const) }),
)

/** One generator per wire type, keyed by Rust name; a new type does not compile without one. */
export const arbitraries: { readonly [K in WireTypeName]: fc.Arbitrary<unknown> } = {
  BlockProposal: blockProposal,
  Vote: vote,
  ComputeJobResult: computeJobResult,
  ValidatorRecord: validatorRecord,
  StateSyncRequest: stateSyncRequest,
  StateSyncResponse: stateSyncResponse,
  WithdrawalProofRequest: withdrawalProofRequest,
  WithdrawalProofResponse: withdrawalProofResponse,
}
