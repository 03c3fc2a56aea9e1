/**
 * Protocol names, size caps and default timings. Names and caps come from
 * the network spec (network.md "Names" table) and the wire spec (wire.md,
 * "Size cap first").
 */

export type NetworkName = 'mainnet' | 'devnet' | 'testnet' | 'localnet'

export const NETWORKS: readonly NetworkName[] = ['mainnet', 'devnet', 'testnet', 'localnet']

/** The wire (`Network` enum) spelling of a network name. */
export type WireNetwork = 'Mainnet' | 'Devnet' | 'Testnet' | 'Localnet'

export const WIRE_NETWORK: Readonly<Record<NetworkName, WireNetwork>> = {
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

/** wire.md: gossip caps 1 MiB (blocks), 4 KiB (votes), 256 KiB (compute results). */
export const GOSSIP_MAX_BYTES: Readonly<Record<GossipKind, number>> = {
  blocks: 1 * MiB,
  votes: 4 * KiB,
  results: 256 * KiB,
}

/** wire.md: DHT record cap. */
export const VALIDATOR_RECORD_MAX_BYTES = 2 * KiB
/** wire.md: request cap. */
export const REQUEST_MAX_BYTES = 64 * KiB
/** wire.md: response cap. */
export const RESPONSE_MAX_BYTES = 4 * MiB

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
