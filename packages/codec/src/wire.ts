/**
 * The wire types of wire.md, one declarative schema each, with their per-use
 * size caps (wire.md rule 1) and signing domains (wire.md, "Signatures").
 */
import {
  fixedBytes,
  i64,
  option,
  type Schema,
  string,
  struct,
  taggedEnum,
  u32,
  u64,
  unitEnum,
  vec,
  bytes as vecU8,
} from './schema.js'
import type * as T from './types.js'
import { type SignedWireType, signedWireType, type WireType, wireType } from './wire-type.js'

const KiB = 1024
const MiB = 1024 * KiB

/** Per-use size caps in bytes (wire.md rule 1). */
export const sizeCaps = {
  /** Gossip: block proposals. */
  block: 1 * MiB,
  /** Gossip: votes. */
  vote: 4 * KiB,
  /** Gossip: compute job results. */
  computeResult: 256 * KiB,
  /** DHT validator record. */
  dhtRecord: 2 * KiB,
  /** Request/response: request bodies. */
  request: 64 * KiB,
  /** Request/response: response bodies. */
  response: 4 * MiB,
} as const

/** Schema caps on a `ValidatorRecord` (wire.md rule 4). */
export const validatorRecordLimits = { maxMultiaddrs: 8, maxMultiaddrBytes: 256 } as const

const network: Schema<T.Network> = unitEnum('Network', ['Mainnet', 'Devnet', 'Testnet', 'Localnet'])
const hash = fixedBytes(32)
const pubkey = fixedBytes(32)
const signature = fixedBytes(64)

const blockHeader = struct<T.BlockHeader>({
  network,
  height: u64,
  round: u32,
  parentHash: hash,
  stateRoot: hash,
  txRoot: hash,
  proposer: pubkey,
  timestampMs: i64,
})

const blockProposal = struct<T.BlockProposal>({
  header: blockHeader,
  transactions: vec(vecU8()),
  signature,
})

const vote = struct<T.Vote>({
  network,
  height: u64,
  round: u32,
  kind: unitEnum<T.VoteKind>('VoteKind', ['Prevote', 'Precommit']),
  blockHash: option(hash),
  voter: pubkey,
  signature,
})

const jobOutcome = taggedEnum<T.JobOutcome>('JobOutcome', {
  Completed: { output: vecU8(), outputHash: hash },
  Failed: { reason: string() },
  TimedOut: { limitMs: u64 },
})

const computeJobResult = struct<T.ComputeJobResult>({
  network,
  jobId: fixedBytes(16),
  executor: pubkey,
  outcome: jobOutcome,
  executionTimeMs: u64,
  memoryUsedBytes: u64,
  instructionsExecuted: u64,
  signature,
})

const validatorRecord = struct<T.ValidatorRecord>({
  network,
  identity: pubkey,
  multiaddrs: vec(string({ maxBytes: validatorRecordLimits.maxMultiaddrBytes }), {
    max: validatorRecordLimits.maxMultiaddrs,
  }),
  seq: u64,
  issuedAtMs: i64,
  signature,
})

const stateSyncRequest = struct<T.StateSyncRequest>({ network, fromHeight: u64, maxBlocks: u32 })
const stateSyncResponse = struct<T.StateSyncResponse>({
  tipHeight: u64,
  blocks: vec(blockProposal),
})
const withdrawalProofRequest = struct<T.WithdrawalProofRequest>({ network, nullifier: hash })
const withdrawalProofResponse = taggedEnum<T.WithdrawalProofResponse>('WithdrawalProofResponse', {
  Found: { merkleRoot: hash, leafIndex: u64, siblings: vec(hash), proof: vecU8() },
  Pending: { etaSlots: u64 },
  NotFound: {},
})

export type BlockProposal = T.BlockProposal
export type Vote = T.Vote
export type ComputeJobResult = T.ComputeJobResult
export type ValidatorRecord = T.ValidatorRecord
export type StateSyncRequest = T.StateSyncRequest
export type StateSyncResponse = T.StateSyncResponse
export type WithdrawalProofRequest = T.WithdrawalProofRequest
export type WithdrawalProofResponse = T.WithdrawalProofResponse

export const BlockProposal: SignedWireType<BlockProposal> = signedWireType(
  wireType('BlockProposal', blockProposal, sizeCaps.block),
  'paraloom/block/v1',
  (v) => v.header.proposer,
)
export const Vote: SignedWireType<Vote> = signedWireType(
  wireType('Vote', vote, sizeCaps.vote),
  'paraloom/vote/v1',
  (v) => v.voter,
)
export const ComputeJobResult: SignedWireType<ComputeJobResult> = signedWireType(
  wireType('ComputeJobResult', computeJobResult, sizeCaps.computeResult),
  'paraloom/result/v1',
  (v) => v.executor,
)
export const ValidatorRecord: SignedWireType<ValidatorRecord> = signedWireType(
  wireType('ValidatorRecord', validatorRecord, sizeCaps.dhtRecord),
  'paraloom/validator-record/v1',
  (v) => v.identity,
)
export const StateSyncRequest: WireType<StateSyncRequest> = wireType(
  'StateSyncRequest',
  stateSyncRequest,
  sizeCaps.request,
)
export const StateSyncResponse: WireType<StateSyncResponse> = wireType(
  'StateSyncResponse',
  stateSyncResponse,
  sizeCaps.response,
)
export const WithdrawalProofRequest: WireType<WithdrawalProofRequest> = wireType(
  'WithdrawalProofRequest',
  withdrawalProofRequest,
  sizeCaps.request,
)
export const WithdrawalProofResponse: WireType<WithdrawalProofResponse> = wireType(
  'WithdrawalProofResponse',
  withdrawalProofResponse,
  sizeCaps.response,
)

/** Every wire type, keyed by its Rust name. */
export const wireTypes = {
  BlockProposal,
  Vote,
  ComputeJobResult,
  ValidatorRecord,
  StateSyncRequest,
  StateSyncResponse,
  WithdrawalProofRequest,
  WithdrawalProofResponse,
} as const

/** The Rust name of a wire type. */
export type WireTypeName = keyof typeof wireTypes
