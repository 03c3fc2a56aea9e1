import { PeerState } from '@paraloom/interface'
import { PeerState as ProtoState } from '@paraloom/proto'

// A peer's liveness state is the shared contract (`@paraloom/interface`),
// the names of the node's PeerRegistry states; the monitor stores and shows
// it. Re-exported for the modules of this app.
export { PeerState } from '@paraloom/interface'

/** The gRPC enum to the shared state: the monitor's side of the conversion. */
const FROM_PROTO: ReadonlyMap<number, PeerState> = new Map([
  [ProtoState.PEER_STATE_CONNECTED, PeerState.CONNECTED],
  [ProtoState.PEER_STATE_SLOW, PeerState.SLOW],
  [ProtoState.PEER_STATE_OFFLINE, PeerState.OFFLINE],
  [ProtoState.PEER_STATE_UNKNOWN, PeerState.UNKNOWN],
])

/** The state a proto enum value names, or undefined for UNSPECIFIED and unknown numbers. */
export function stateFromProto(value: number): PeerState | undefined {
  return FROM_PROTO.get(value)
}
