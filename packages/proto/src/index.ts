/**
 * @packageDocumentation
 *
 * The gRPC API of a Paraloom validator node, generated from the `.proto`
 * files shipped in this package's `proto/` directory:
 *
 * - `paraloom.v1.PeerMonitor`: `ListPeers`, and `WatchPeers` (a snapshot or a
 *   replay after a sequence, then each PeerRegistry transition);
 * - `paraloom.v1.Gossip`: `Publish` and `Subscribe` over the gossip topics;
 * - `paraloom.v1.Query`: `StateSync` and `WithdrawalProof` sent to one peer,
 *   and `Serve`, through which one external process answers what peers ask;
 * - `grpc.health.v1.Health`.
 *
 * @example
 * ```ts
 * import { credentials } from '@grpc/grpc-js'
 * import { PeerMonitorClient } from '@paraloom/proto'
 *
 * const client = new PeerMonitorClient('127.0.0.1:50051', credentials.createInsecure())
 * client.listPeers({}, (err, res) => {
 *   if (err) throw err
 *   for (const peer of res.peers) console.log(peer.validator, peer.state, peer.rttMs)
 *   client.close()
 * })
 * ```
 */
import { readFileSync } from 'node:fs'
import {
  type TransitionReason,
  transitionReasonToJSON,
} from './generated/paraloom/v1/peer_monitor.js'

export {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthClient,
  HealthListRequest,
  HealthListResponse,
  type HealthServer,
  HealthService,
} from './generated/grpc/health/v1/health.js'
export {
  GossipClient,
  GossipMessage,
  type GossipServer,
  GossipService,
  PublishRequest,
  PublishResponse,
  SubscribeRequest,
  Topic,
} from './generated/paraloom/v1/gossip.js'
export {
  HistoryGap,
  ListPeersRequest,
  ListPeersResponse,
  Observer,
  PeerEvent,
  PeerMonitorClient,
  type PeerMonitorServer,
  PeerMonitorService,
  PeerSnapshot,
  PeerState,
  PeerStatus,
  PeerTransition,
  TransitionReason,
  WatchPeersRequest,
} from './generated/paraloom/v1/peer_monitor.js'
export {
  QueryClient,
  type QueryServer,
  QueryService,
  QueryStateSyncRequest,
  QueryStateSyncResponse,
  QueryWithdrawalProofRequest,
  QueryWithdrawalProofResponse,
  ServeAnswer,
  ServeAttach,
  ServedProtocol,
  ServeRequest,
  ServeResponse,
  SyncedBlock,
  WithdrawalProofFound,
  WithdrawalProofNotFound,
  WithdrawalProofPending,
} from './generated/paraloom/v1/query.js'

/**
 * The serialized `FileDescriptorSet` of every service above, for gRPC server
 * reflection (`@grpc/reflection` via `@grpc/proto-loader`'s
 * `loadFileDescriptorSetFromBuffer`).
 */
export function descriptorSet(): Buffer {
  return readFileSync(new URL('./generated/descriptor-set.binpb', import.meta.url))
}

/**
 * A {@link TransitionReason} as the node's log and the peer-monitor spell it:
 * `TRANSITION_REASON_DIAL_FAILED` is `dial-failed`. A number this build does
 * not know (a newer node) is `reason-N`, so it can still be shown.
 */
export function transitionReasonName(reason: TransitionReason): string {
  const name = transitionReasonToJSON(reason)
  if (name === 'UNRECOGNIZED') return `reason-${reason}`
  return name
    .replace(/^TRANSITION_REASON_/, '')
    .toLowerCase()
    .replaceAll('_', '-')
}
