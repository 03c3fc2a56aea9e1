/**
 * Protocol names and default timings, from the network spec (network.md
 * "Names" table). Size caps are the codec's: each wire type carries its own
 * (`maxBytes`, wire.md "Size cap first"), and the gossip topics take theirs
 * from their wire types (`gossip/topics.ts`).
 */
import type { Network } from '@paraloom/codec'
import type { NetworkName } from '@paraloom/interface'

/** The wire (`Network` enum) spelling of each network name. */
export const WIRE_NETWORK: Readonly<Record<NetworkName, Network>> = {
  mainnet: 'Mainnet',
  devnet: 'Devnet',
  testnet: 'Testnet',
  localnet: 'Localnet',
}

const KiB = 1024
const MiB = 1024 * KiB
const second = 1000

/** The gossip topic kinds; one topic per kind and network. */
export type GossipKind = 'blocks' | 'votes' | 'results'

export const GOSSIP_KINDS: readonly GossipKind[] = ['blocks', 'votes', 'results']

/**
 * network.md: keep gossipsub's own inbound RPC limit at 4 MiB or more; the
 * real per-topic caps are enforced by the topic validators.
 */
export const GOSSIPSUB_MAX_INBOUND_DATA_LENGTH = 4 * MiB + 64 * KiB

/** DHT namespace, without slashes, as kad-dht keys its validators and selectors. */
export const VALIDATOR_RECORD_NAMESPACE = 'paraloom-validator'

/** network.md: the refresh task runs every 30 s by default. */
export const DEFAULT_REFRESH_INTERVAL_MS = 30 * second
/** network.md: every request has a deadline, 10 s by default, dial included. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10 * second
/** How many seed dials run at once. */
export const DEFAULT_DIAL_CONCURRENCY = 8
/** How long one seed dial may take. */
export const DEFAULT_DIAL_TIMEOUT_MS = 5 * second

export const kadProtocol = (network: NetworkName): string => `/paraloom/${network}/kad/1.0.0`
export const gossipTopic = (network: NetworkName, kind: GossipKind): string =>
  `paraloom/${network}/${kind}`
export const stateSyncProtocol = (network: NetworkName): string => `/paraloom/${network}/sync/1.0.0`
export const withdrawalProofProtocol = (network: NetworkName): string =>
  `/paraloom/${network}/withdrawal-proof/1.0.0`
export const validatorRecordKey = (identity: string): string =>
  `/${VALIDATOR_RECORD_NAMESPACE}/${identity}`
