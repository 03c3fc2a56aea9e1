/** The Paraloom networks, in the spelling used by config files, topics and protocol names. */
export const NETWORKS = ['mainnet', 'devnet', 'testnet', 'localnet'] as const

/** One Paraloom network, as config files, topics and protocol names spell it. */
export type NetworkName = (typeof NETWORKS)[number]

/** True when `value` names a Paraloom network. */
export function isNetworkName(value: unknown): value is NetworkName {
  return typeof value === 'string' && (NETWORKS as readonly string[]).includes(value)
}
