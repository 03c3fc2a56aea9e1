/**
 * @packageDocumentation
 *
 * The Paraloom validator's libp2p node: TCP + Noise + Yamux, identify,
 * Kademlia discovery seeded from the on-chain registry, gossipsub on three
 * per-network topics with validating topic validators and peer scoring, ping
 * liveness feeding a PeerRegistry, bounded request/response (state sync,
 * withdrawal proofs) and a connection gater that admits validators only.
 * The node's key is the validator's Solana keypair, so its PeerId and its
 * Solana address are the same ed25519 key.
 *
 * @example
 *
 * ```typescript
 * import { readFile } from 'node:fs/promises'
 * import { createParaloomNode, publicKeyFromSolanaAddress, StaticDirectory, seedPeer } from '@paraloom/p2p'
 *
 * // A Solana keypair file: a JSON array of 64 bytes, seed || pubkey.
 * const keypair = Uint8Array.from(JSON.parse(await readFile('./validator-keypair.json', 'utf8')))
 *
 * // Any ValidatorDirectory works: @paraloom/registry reads the on-chain one.
 * // StaticDirectory is the in-memory one (tests, fixtures, fixed sets).
 * const other = '<base58 address of another validator>'
 * const directory = new StaticDirectory([
 *   seedPeer(publicKeyFromSolanaAddress(other), ['/ip4/10.0.0.2/tcp/9001']),
 * ])
 *
 * const node = await createParaloomNode({
 *   network: 'devnet',
 *   privateKey: keypair,
 *   listen: ['/ip4/0.0.0.0/tcp/9001'],
 *   directory,
 *   handlers: {
 *     // the node has no chain of its own: answer from yours
 *     stateSync: async (request) => ({ tipHeight: request.fromHeight, blocks: [] }),
 *   },
 * })
 * await node.start()
 * console.info(node.identity, node.getMultiaddrs().map(String))
 *
 * const stopVotes = node.gossip.subscribe('votes', ({ value, from }) => {
 *   console.info('vote at height', value.height, 'from', from.toString())
 * })
 * node.liveness.registry.onTransition((t) => console.info(t.validator, t.from, '->', t.to))
 *
 * const where = await node.findValidator(other) // its current addresses, from the DHT
 * const sync = await node.requestStateSync(where.peerId, { network: 'Devnet', fromHeight: 0n, maxBlocks: 16 })
 * console.info('tip', sync.tipHeight)
 *
 * stopVotes()
 * await node.stop() // nothing keeps running: the process can exit
 * ```
 */

// Must come first: libp2p calls Promise.withResolvers, which Node 20 lacks.
import './polyfill.js'

// The network names are the shared contract's; the node's options take one.
export type { NetworkName } from '@paraloom/interface'
export { type AdmissionMode, parsePeer } from './admission.js'
export {
  DEFAULT_DIAL_CONCURRENCY,
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_REFRESH_INTERVAL_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  GOSSIP_KINDS,
  type GossipKind,
  gossipTopic,
  kadProtocol,
  stateSyncProtocol,
  VALIDATOR_RECORD_NAMESPACE,
  validatorRecordKey,
  WIRE_NETWORK,
  withdrawalProofProtocol,
} from './constants.js'
export type { DiscoveryRound, ValidatorLocation } from './discovery/discovery.js'
export {
  DiscoveryError,
  type DiscoveryErrorCode,
  GossipError,
  type GossipErrorCode,
  IdentityError,
  type IdentityErrorCode,
  RequestError,
  type RequestErrorCode,
} from './errors.js'
export type { GossipHandler, GossipMessage, ParaloomGossip } from './gossip/gossip.js'
export {
  GOSSIP_MAX_BYTES,
  GOSSIP_WIRE_TYPES,
  type GossipValues,
  gossipMessageId,
} from './gossip/topics.js'
export { GOSSIP_REJECT_REASONS, GossipRejectReason } from './gossip/validate.js'
export {
  identityFromSolanaKeypair,
  peerIdFromPublicKeyBytes,
  peerIdFromSolanaAddress,
  publicKeyBytesFromPeerId,
  publicKeyFromSolanaAddress,
  solanaAddressFromPeerId,
  solanaAddressFromPublicKey,
} from './identity.js'
export * from './liveness/index.js'
export {
  BACKGROUND_FAILURES,
  type BackgroundFailure,
  type CounterHook,
  type GaugeHook,
  type GossipMessageResult,
  type HistogramHook,
  type Labels,
  type NoLabels,
  type P2PMetrics,
} from './metrics.js'
export {
  createParaloomNode,
  type ParaloomNode,
  type ParaloomNodeEvents,
  type ParaloomNodeInit,
  type ParaloomServices,
  type PeerTarget,
} from './node.js'
export {
  BAN_SCORE,
  DEFAULT_MAX_CONNECTIONS_PER_PEER,
  ExcessConnectionError,
  PEER_OFFENCES,
  PeerAction,
  type PeerBan,
  type PeerOffence,
} from './peers/index.js'
export { DEFAULT_INBOUND_LIMITS, type InboundLimits } from './reqresp/inbound-limiter.js'
export type { PeerRequests, RequestHandlers } from './reqresp/index.js'
export type { RequestContext, RequestHandler, RequestOptions } from './reqresp/protocol.js'
export {
  createRequestClient,
  type RequestClient,
  type RequestClientInit,
} from './request-client.js'
export { StaticDirectory, seedPeer } from './static-directory.js'
