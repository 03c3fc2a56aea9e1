/**
 * The two Paraloom request/response protocols: state sync and withdrawal
 * proofs, with the wire types and caps of wire.md.
 */

import type { Libp2p, PeerId } from '@libp2p/interface'
import {
  StateSyncRequest,
  StateSyncResponse,
  type WireType,
  WithdrawalProofRequest,
  WithdrawalProofResponse,
} from '@paraloom/codec'
import type { NetworkName } from '@paraloom/interface'
import { stateSyncProtocol, withdrawalProofProtocol } from '../constants.js'
import type { P2PMetrics } from '../metrics.js'
import type { PeerAction, PeerOffence } from '../peers/peer-action.js'
import type { InboundLimits } from './inbound-limiter.js'
import {
  type ReqRespComponents,
  ReqRespProtocol,
  type RequestHandler,
  type RequestOptions,
} from './protocol.js'
import type { PeerTarget } from './target.js'

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

/** Direct requests to one peer, as the node and the fetch-only client both send them. */
export interface PeerRequests {
  /** Asks `peer` for blocks. Throws RequestError. */
  requestStateSync(
    peer: PeerTarget,
    request: StateSyncRequest,
    options?: RequestOptions,
  ): Promise<StateSyncResponse>
  /** Asks `peer` for a withdrawal proof. Throws RequestError. */
  requestWithdrawalProof(
    peer: PeerTarget,
    request: WithdrawalProofRequest,
    options?: RequestOptions,
  ): Promise<WithdrawalProofResponse>
}

/** The libp2p calls the protocols make, taken from a libp2p node. */
export function reqRespComponents(
  libp2p: Pick<Libp2p, 'dialProtocol' | 'handle' | 'unhandle'>,
): ReqRespComponents {
  return {
    dialProtocol: (peer, protocol, options) => libp2p.dialProtocol(peer, protocol, options),
    handle: (protocol, handler, options) => libp2p.handle(protocol, handler, options),
    unhandle: (protocol) => libp2p.unhandle(protocol),
  }
}

/**
 * Both protocols, started and stopped together, asked by {@link PeerTarget}:
 * the node and the fetch-only client share them, and differ only in how a
 * target is resolved to the PeerId to dial.
 */
export class RequestProtocols implements PeerRequests {
  private readonly stateSync: ReqRespProtocol<StateSyncRequest, StateSyncResponse>
  private readonly withdrawalProof: ReqRespProtocol<WithdrawalProofRequest, WithdrawalProofResponse>

  constructor(
    components: ReqRespComponents,
    init: ReqRespInit,
    private readonly resolve: (peer: PeerTarget) => Promise<PeerId>,
  ) {
    // Each frame's cap is its wire type's (wire.md: requests 64 KiB, responses 4 MiB).
    const common = <Req, Res>(
      protocol: string,
      types: { request: WireType<Req>; response: WireType<Res> },
      handler?: RequestHandler<Req, Res>,
    ) => ({
      protocol,
      ...types,
      requestMaxBytes: types.request.maxBytes,
      responseMaxBytes: types.response.maxBytes,
      timeoutMs: init.timeoutMs,
      inbound: init.inbound,
      handler,
      onOutcome: (direction: string, outcome: string) =>
        init.metrics?.requests?.inc({ protocol, direction, outcome }),
      onPeerAction: init.onPeerAction,
    })
    this.stateSync = new ReqRespProtocol(components, {
      ...common(
        stateSyncProtocol(init.network),
        { request: StateSyncRequest, response: StateSyncResponse },
        init.handlers?.stateSync,
      ),
    })
    this.withdrawalProof = new ReqRespProtocol(components, {
      ...common(
        withdrawalProofProtocol(init.network),
        { request: WithdrawalProofRequest, response: WithdrawalProofResponse },
        init.handlers?.withdrawalProof,
      ),
    })
  }

  async start(): Promise<void> {
    await this.stateSync.start()
    await this.withdrawalProof.start()
  }

  async stop(): Promise<void> {
    await this.withdrawalProof.stop()
    await this.stateSync.stop()
  }

  async requestStateSync(
    peer: PeerTarget,
    request: StateSyncRequest,
    options?: RequestOptions,
  ): Promise<StateSyncResponse> {
    return this.stateSync.request(await this.resolve(peer), request, options)
  }

  async requestWithdrawalProof(
    peer: PeerTarget,
    request: WithdrawalProofRequest,
    options?: RequestOptions,
  ): Promise<WithdrawalProofResponse> {
    return this.withdrawalProof.request(await this.resolve(peer), request, options)
  }
}
