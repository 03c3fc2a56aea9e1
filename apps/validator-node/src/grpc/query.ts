/**
 * `paraloom.v1.Query`: `StateSync` and `WithdrawalProof` send one direct
 * request to a peer and answer with its typed response, or a status that
 * says what failed (the p2p RequestError code leads the details and is in
 * the `paraloom-request-error` trailer); `Serve` attaches the one external
 * process that answers what peers ask this node (see serve-hub.ts).
 */
import { Metadata, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js'
import { multiaddr } from '@multiformats/multiaddr'
import { BlockProposal, WithdrawalProofResponse } from '@paraloom/codec'
import type { NetworkName, SeedPeer } from '@paraloom/interface'
import {
  type ParaloomNode,
  type PeerTarget,
  RequestError,
  solanaAddressFromPublicKey,
  WIRE_NETWORK,
} from '@paraloom/p2p'
import type {
  QueryServer,
  QueryStateSyncResponse,
  QueryWithdrawalProofResponse,
  SyncedBlock,
} from '@paraloom/proto'
import type { ServeHub } from './serve-hub.js'

/** gRPC status for each way an outbound request fails. */
const REQUEST_STATUS: Record<RequestError['code'], status> = {
  Invalid: status.INVALID_ARGUMENT,
  Timeout: status.DEADLINE_EXCEEDED,
  Aborted: status.CANCELLED,
  Dial: status.UNAVAILABLE,
  TooLarge: status.RESOURCE_EXHAUSTED,
  Malformed: status.DATA_LOSS,
  Decode: status.DATA_LOSS,
  Refused: status.UNAVAILABLE,
  Reset: status.UNAVAILABLE,
  RateLimited: status.RESOURCE_EXHAUSTED,
  HandlerFailed: status.INTERNAL,
  NotStarted: status.UNAVAILABLE,
}

/** Trailer naming the p2p RequestError code of a failed request. */
export const REQUEST_ERROR_TRAILER = 'paraloom-request-error'

export interface QueryServiceInit {
  p2p: ParaloomNode
  network: NetworkName
  hub: ServeHub
  /** The active validators, to resolve and check a peer given by identity or PeerId. */
  seeds(): readonly SeedPeer[]
  /** Used when the request has no timeout_ms, in milliseconds. */
  defaultTimeoutMs: number
}

interface Failure {
  code: status
  details: string
  metadata?: Metadata
}

const NULLIFIER_BYTES = 32

interface Resolved {
  target: PeerTarget
  peerId: string
}

/** A status to answer with when `peer` does not name a peer we may ask, else the target. */
function resolvePeer(peer: string, seeds: readonly SeedPeer[]): Resolved | Failure {
  if (peer === '') return { code: status.INVALID_ARGUMENT, details: 'peer is empty' }
  if (peer.startsWith('/')) {
    try {
      const addr = multiaddr(peer)
      const peerId = addr.getComponents().findLast((c) => c.name === 'p2p')?.value
      if (peerId === undefined) {
        return { code: status.INVALID_ARGUMENT, details: `${peer} has no /p2p/<PeerId>` }
      }
      return { target: addr, peerId }
    } catch (err) {
      return {
        code: status.INVALID_ARGUMENT,
        details: `${peer} is not a multiaddr: ${(err as Error).message}`,
      }
    }
  }
  const seed = seeds.find((s) => s.identity === peer || s.peerId === peer)
  if (seed === undefined) {
    return {
      code: status.NOT_FOUND,
      details: `PeerUnknown: ${peer} is not an active validator (identity or PeerId) in the registry`,
    }
  }
  return { target: seed.peerId, peerId: seed.peerId }
}

function failureOf(err: unknown): Failure {
  if (err instanceof RequestError) {
    const metadata = new Metadata()
    metadata.set(REQUEST_ERROR_TRAILER, err.code)
    return { code: REQUEST_STATUS[err.code], details: `${err.code}: ${err.message}`, metadata }
  }
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) }
}

const isFailure = (v: unknown): v is Failure =>
  typeof v === 'object' && v !== null && 'code' in v && 'details' in v

/**
 * The deadline for the p2p request: timeout_ms (or the default), but never
 * past the gRPC call's own deadline.
 */
function timeoutFor(
  call: ServerUnaryCall<unknown, unknown>,
  timeoutMs: number,
  fallback: number,
): number {
  const asked = timeoutMs > 0 ? timeoutMs : fallback
  const deadline = call.getDeadline()
  const until = deadline instanceof Date ? deadline.getTime() : deadline
  return Number.isFinite(until) ? Math.max(1, Math.min(asked, until - Date.now())) : asked
}

export function toSyncedBlock(block: BlockProposal): SyncedBlock {
  const { header } = block
  return {
    proposal: Buffer.from(BlockProposal.encode(block)),
    height: header.height,
    round: header.round,
    proposer: solanaAddressFromPublicKey(header.proposer),
    timestampMs: header.timestampMs,
    transactions: block.transactions.length,
  }
}

export function toWithdrawalAnswer(
  response: WithdrawalProofResponse,
  peerId: string,
): QueryWithdrawalProofResponse {
  const bytes = Buffer.from(WithdrawalProofResponse.encode(response))
  const result: QueryWithdrawalProofResponse['result'] =
    response.type === 'Found'
      ? {
          $case: 'found',
          value: {
            merkleRoot: Buffer.from(response.merkleRoot),
            leafIndex: response.leafIndex,
            siblings: response.siblings.map((s) => Buffer.from(s)),
            proof: Buffer.from(response.proof),
          },
        }
      : response.type === 'Pending'
        ? { $case: 'pending', value: { etaSlots: response.etaSlots } }
        : { $case: 'notFound', value: {} }
  return { response: bytes, result, peerId }
}

export function createQueryService(init: QueryServiceInit): QueryServer {
  const { p2p, hub } = init
  const wire = WIRE_NETWORK[init.network]

  /** Runs one outbound request for `call`, aborting it when the gRPC call is cancelled. */
  async function ask<Res>(
    call: ServerUnaryCall<{ peer: string }, unknown>,
    timeoutMs: number,
    callback: sendUnaryData<Res>,
    send: (peer: Resolved, options: { signal: AbortSignal; timeoutMs: number }) => Promise<Res>,
  ): Promise<void> {
    const peer = resolvePeer(call.request.peer, init.seeds())
    if (isFailure(peer)) {
      callback(peer)
      return
    }
    const cancelled = new AbortController()
    const onCancel = (): void => cancelled.abort()
    call.once('cancelled', onCancel)
    try {
      const timeout = timeoutFor(call, timeoutMs, init.defaultTimeoutMs)
      callback(null, await send(peer, { signal: cancelled.signal, timeoutMs: timeout }))
    } catch (err) {
      callback(failureOf(err))
    } finally {
      call.off('cancelled', onCancel)
    }
  }

  return {
    stateSync(call, callback) {
      const { fromHeight, maxBlocks, timeoutMs } = call.request
      if (maxBlocks === 0) {
        callback({ code: status.INVALID_ARGUMENT, details: 'max_blocks must be at least 1' })
        return
      }
      void ask<QueryStateSyncResponse>(call, timeoutMs, callback, async (peer, options) => {
        const request = { network: wire, fromHeight, maxBlocks }
        const res = await p2p.requestStateSync(peer.target, request, options)
        return {
          tipHeight: res.tipHeight,
          blocks: res.blocks.map(toSyncedBlock),
          peerId: peer.peerId,
        }
      })
    },
    withdrawalProof(call, callback) {
      const { nullifier, timeoutMs } = call.request
      if (nullifier.length !== NULLIFIER_BYTES) {
        callback({
          code: status.INVALID_ARGUMENT,
          details: `nullifier must be ${NULLIFIER_BYTES} bytes, got ${nullifier.length}`,
        })
        return
      }
      void ask<QueryWithdrawalProofResponse>(call, timeoutMs, callback, async (peer, options) => {
        const res = await p2p.requestWithdrawalProof(
          peer.target,
          { network: wire, nullifier: new Uint8Array(nullifier) },
          options,
        )
        return toWithdrawalAnswer(res, peer.peerId)
      })
    },
    serve(call) {
      if (!hub.attach(call)) {
        call.emit('error', {
          code: status.ALREADY_EXISTS,
          details: 'another process already serves this node: one Serve stream at a time',
        })
      }
    },
  }
}
