/**
 * The signed messages of one height of devnet traffic, as a consensus round
 * would produce them: a block proposal from a round-robin proposer, a
 * prevote and a precommit for it from every validator, and now and then a
 * compute job result. Pure apart from the injected randomness and clock.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  BlockProposal,
  ComputeJobResult,
  type JobOutcome,
  type Network,
  sign,
  Vote,
  type VoteKind,
} from '@paraloom/codec'
import type { Keypair } from 'paraloom/keypair'

/** A message and the index of the validator that signed it (and must publish it). */
export interface Signed<T> {
  signer: number
  value: T
}

export interface HeightPlan {
  height: bigint
  block: Signed<BlockProposal>
  /** SHA-256 of the encoded proposal: what the votes vote for, and the next parent hash. */
  blockHash: Uint8Array
  /** Every validator's prevote, then every validator's precommit. */
  votes: Signed<Vote>[]
  result?: Signed<ComputeJobResult>
}

export interface PlanHeightInput {
  network: Network
  height: bigint
  parentHash: Uint8Array
  /** The validators, in proposer order. */
  signers: readonly Keypair[]
  /** A compute job result at every height divisible by this. */
  resultEveryHeights: number
  /** Random bytes. @default crypto.randomBytes */
  random?: (length: number) => Uint8Array
  /** @default Date.now */
  nowMs?: () => number
}

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

const EMPTY_SIGNATURE = new Uint8Array(64)
/** Transactions per block: 0 to this many. */
const MAX_TRANSACTIONS = 8
/** Bytes per transaction: 32 to this many. */
const MAX_TRANSACTION_BYTES = 512
/** Bytes of a completed job's output: 64 to this many. */
const MAX_OUTPUT_BYTES = 2048

export function planHeight(input: PlanHeightInput): HeightPlan {
  const { network, height, signers } = input
  const random = input.random ?? ((n: number) => new Uint8Array(randomBytes(n)))
  const now = BigInt((input.nowMs ?? Date.now)())
  // Two random bytes scaled onto [min, max]: all-0xff bytes give max, zeros give min.
  const between = (min: number, max: number): number => {
    const r = random(2)
    return min + Math.floor((((r[0]! << 8) | r[1]!) / 0x10000) * (max - min + 1))
  }
  const proposer = Number(height % BigInt(signers.length))

  const transactions = Array.from({ length: between(0, MAX_TRANSACTIONS) }, () =>
    random(between(32, MAX_TRANSACTION_BYTES)),
  )
  const block = sign(
    BlockProposal,
    {
      header: {
        network,
        height,
        round: 0,
        parentHash: input.parentHash,
        stateRoot: sha256(input.parentHash, new TextEncoder().encode(`state ${height}`)),
        txRoot: sha256(...transactions),
        proposer: signers[proposer]!.publicKey,
        timestampMs: now,
      },
      transactions,
      signature: EMPTY_SIGNATURE,
    },
    signers[proposer]!.secretKey,
  )
  const blockHash = sha256(BlockProposal.encode(block))

  const vote =
    (kind: VoteKind) =>
    (keypair: Keypair, signer: number): Signed<Vote> => ({
      signer,
      value: sign(
        Vote,
        {
          network,
          height,
          round: 0,
          kind,
          blockHash,
          voter: keypair.publicKey,
          signature: EMPTY_SIGNATURE,
        },
        keypair.secretKey,
      ),
    })
  const votes = [...signers.map(vote('Prevote')), ...signers.map(vote('Precommit'))]

  const plan: HeightPlan = { height, block: { signer: proposer, value: block }, blockHash, votes }
  if (height % BigInt(input.resultEveryHeights) === 0n) {
    // The executor rotates the other way round, so it is not always the proposer.
    const executor = signers.length - 1 - proposer
    plan.result = {
      signer: executor,
      value: sign(
        ComputeJobResult,
        {
          network,
          jobId: random(16),
          executor: signers[executor]!.publicKey,
          outcome: jobOutcome(between(0, 9), random, between),
          executionTimeMs: BigInt(between(1, 250)),
          memoryUsedBytes: BigInt(between(1, 255)) * 1024n * 1024n,
          instructionsExecuted: BigInt(between(1, 255)) * 1_000_000n,
          signature: EMPTY_SIGNATURE,
        },
        signers[executor]!.secretKey,
      ),
    }
  }
  return plan
}

/** Mostly completed jobs; one in ten fails, one in ten times out. */
function jobOutcome(
  roll: number,
  random: (n: number) => Uint8Array,
  between: (min: number, max: number) => number,
): JobOutcome {
  if (roll === 0) return { type: 'Failed', reason: 'guest trapped: out of fuel' }
  if (roll === 1) return { type: 'TimedOut', limitMs: 30_000n }
  const output = random(between(64, MAX_OUTPUT_BYTES))
  return { type: 'Completed', output, outputHash: sha256(output) }
}
