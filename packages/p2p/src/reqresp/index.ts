/**
 * The two Paraloom request/response protocols: state sync and withdrawal
 * proofs, with the wire types and caps of wire.md.
 */

import type { PeerId } from '@libp2p/interface'
import {
  StateSyncRequest,
  StateSyncResponse,
  WithdrawalProofRequest,
  WithdrawalProofResponse,
} from '@paraloom/codec'
import {
  type NetworkName,
  REQUEST_MAX_BYTES,
  RESPONSE_MAX_BYTES,
  stateSyncProtocol,
  withdrawalProofProtocol,
} from '../constants.js'
import type { P2PMetrics } from '../metrics.js'
import type { PeerAction, PeerOffence } from '../peers/peer-action.js'
import type { InboundLimits } from './inbound-limiter.js'
import { type ReqRespComponents, ReqRespProtocol, type RequestHandler } from './protocol.js'

/** Answers that the embedder supplies: the node has no chain of its own. */
export interface RequestHandlers {
  stateSync?: RequestHandler<StateSyncRequest, StateSyncResponse>
  withdrawalProof?: RequestHandler<WithdrawalProofRequest, WithdrawalProofResponse>
}

export interface ReqRespInit {
  network: NetworkName
  timeoutMs: number
  inbound?: InboundLimits
  handlers?: RequestHandlers
  metrics?: P2PMetrics
  /** Scores (and maybe bans) an inbound peer that misbehaves. */
  onPeerAction?(peer: PeerId, action: PeerAction, offence: PeerOffence): void
}

export interface Protocols {
  stateSync: ReqRespProtocol<StateSyncRequest, StateSyncResponse>
  withdrawalProof: ReqRespProtocol<WithdrawalProofRequest, WithdrawalProofResponse>
}

export function createProtocols(components: ReqRespComponents, init: ReqRespInit): Protocols {
  const common = <Req, Res>(protocol: string, handler?: RequestHandler<Req, Res>) => ({
    protocol,
    requestMaxBytes: REQUEST_MAX_BYTES,
    responseMaxBytes: RESPONSE_MAX_BYTES,
    timeoutMs: init.timeoutMs,
    inbound: init.inbound,
    handler,
    onOutcome: (direction: string, outcome: string) =>
      init.metrics?.requests?.inc({ protocol, direction, outcome }),
    onPeerAction: init.onPeerAction,
  })
  return {
    stateSync: new ReqRespProtocol(components, {
      ...common(stateSyncProtocol(init.network), init.handlers?.stateSync),
      request: StateSyncRequest,
      response: StateSyncResponse,
    }),
    withdrawalProof: new ReqRespProtocol(components, {
      ...common(withdrawalProofProtocol(init.network), init.handlers?.withdrawalProof),
      request: WithdrawalProofRequest,
      response: WithdrawalProofResponse,
    }),
  }
}
