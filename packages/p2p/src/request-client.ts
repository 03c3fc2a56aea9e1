/**
 * `createRequestClient`: a fetch-only libp2p node. It sends state-sync and
 * withdrawal-proof requests and does nothing else: it listens nowhere, joins
 * no gossip mesh, puts no DHT record and runs no liveness. A command that
 * only fetches (`paraloom validator sync`) uses it instead of a full node,
 * whose liveness hangs up on any peer it declares OFFLINE (one slow probe
 * while the process warms up was enough to cut the request in flight) and
 * whose discovery would overwrite the validator's DHT record with the
 * command's own address.
 *
 * Its key must be one that the asked peer admits: in `validators` admission
 * only registered validators (and a peer's allow-list) get past Noise, so a
 * validator fetching what it missed uses its own identity. Its peers probe
 * that identity over the connection; the client answers their pings, so a
 * peer does not count misses against it and hang up in mid-request.
 */

import type { ComponentLogger, Ed25519PrivateKey, PeerId } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { NetworkName, ValidatorDirectory } from '@paraloom/interface'
import { createLibp2p, type Libp2p } from 'libp2p'
import { Admission, type AdmissionMode } from './admission.js'
import { DEFAULT_REQUEST_TIMEOUT_MS } from './constants.js'
import { privateKeyOption, solanaAddressFromPeerId } from './identity.js'
import type { P2PMetrics } from './metrics.js'
import { pingService } from './ping-service.js'
import { type PeerRequests, RequestProtocols, reqRespComponents } from './reqresp/index.js'
import { resolvePeerTarget } from './reqresp/target.js'

export interface RequestClientInit {
  /** Which Paraloom network; it names the protocols. */
  network: NetworkName
  /** The identity to connect with, as in `ParaloomNodeInit.privateKey`. */
  privateKey: Ed25519PrivateKey | Uint8Array
  /** The registry: the addresses of a peer named by PeerId or identity, and who is admitted. */
  directory: ValidatorDirectory
  /** Which peers this client talks to, as in `ParaloomNodeInit.admission`. @default 'validators' */
  admission?: AdmissionMode
  /** PeerIds or Solana addresses admitted besides the validators. */
  allow?: string[]
  /** Deadline of one request, dial included, in milliseconds. @default 10000 */
  requestTimeoutMs?: number
  metrics?: P2PMetrics
  /** libp2p's own logger (its internals); its `DEBUG=libp2p:*` output by default. */
  libp2pLogger?: ComponentLogger
}

export interface RequestClient extends PeerRequests {
  readonly peerId: PeerId
  /** The base58 Solana address of its key. */
  readonly identity: string
  /** Starts libp2p (no listener); idempotent. */
  start(): Promise<void>
  /** Closes every connection; nothing keeps running afterwards. Idempotent. */
  stop(): Promise<void>
}

/**
 * Inbound streams one connection may hold at once: the client serves only
 * its peers' pings, and refuses anything else at protocol negotiation.
 */
const MAX_INBOUND_STREAMS_PER_CONNECTION = 16

/** Creates a request client. Nothing runs until `start()`. */
export async function createRequestClient(init: RequestClientInit): Promise<RequestClient> {
  const privateKey = await privateKeyOption(init.privateKey)
  const admission = new Admission({
    mode: init.admission ?? 'validators',
    directory: init.directory,
    allow: init.allow,
  })
  const libp2p = await createLibp2p({
    start: false,
    privateKey,
    addresses: { listen: [] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: MAX_INBOUND_STREAMS_PER_CONNECTION })],
    connectionGater: admission.gater(),
    connectionMonitor: { enabled: false },
    logger: init.libp2pLogger,
    services: { ping: pingService() },
  })
  return new DefaultRequestClient(init, libp2p)
}

class DefaultRequestClient implements RequestClient {
  readonly peerId: PeerId
  readonly identity: string
  private readonly protocols: RequestProtocols
  readonly requestStateSync: PeerRequests['requestStateSync']
  readonly requestWithdrawalProof: PeerRequests['requestWithdrawalProof']
  private running = false

  constructor(
    init: RequestClientInit,
    private readonly libp2p: Libp2p,
  ) {
    this.peerId = libp2p.peerId
    this.identity = solanaAddressFromPeerId(libp2p.peerId)
    // No handlers: an inbound request is refused (it needs a connection this client opened).
    this.protocols = new RequestProtocols(
      reqRespComponents(libp2p),
      {
        network: init.network,
        timeoutMs: init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        metrics: init.metrics,
      },
      // No discovery runs here: a peer named by PeerId or identity is dialled at its registry addresses.
      (peer) =>
        resolvePeerTarget(peer, {
          peerStore: libp2p.peerStore,
          seeds: () => init.directory.seeds(),
        }),
    )
    this.requestStateSync = this.protocols.requestStateSync.bind(this.protocols)
    this.requestWithdrawalProof = this.protocols.requestWithdrawalProof.bind(this.protocols)
  }

  async start(): Promise<void> {
    if (this.running) return
    // Set first, so a step that fails is rolled back by stop (a part never started stops as a no-op).
    this.running = true
    try {
      await this.libp2p.start()
      await this.protocols.start()
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    await this.protocols.stop()
    await this.libp2p.stop()
  }
}
