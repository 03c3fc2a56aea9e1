/**
 * `paraloom/client`: what another program (the devnet, a bench, a script)
 * needs to talk to running paraloom validators over gRPC: both services on
 * one channel, calls bounded by a deadline, and the gRPC topic of each
 * gossip kind.
 */
export {
  type CallOptions,
  connectValidator,
  DEFAULT_CALL_DEADLINE_MS,
  listPeers,
  publish,
  type ValidatorClients,
} from './grpc/clients.js'
export { KIND_OF_TOPIC, TOPIC_OF_KIND } from './grpc/topics.js'
