/**
 * The checks a block fetched from a peer passes before it is kept: the same
 * ones the blocks topic validator applies to gossip (our network, a
 * proposer that is an active validator in the registry, its signature).
 */
import { BlockProposal, type Network, verify } from '@paraloom/codec'
import { solanaAddressFromPublicKey } from '@paraloom/p2p'

/** Why `block` is not acceptable, or undefined when it is. */
export type BlockCheck = (block: BlockProposal) => string | undefined

export function blockChecker(
  network: Network,
  isActiveValidator: (publicKey: Uint8Array) => boolean,
): BlockCheck {
  return (block) => {
    const { header } = block
    if (header.network !== network) return `network ${header.network}, not ${network}`
    if (!isActiveValidator(header.proposer)) {
      return `proposer ${solanaAddressFromPublicKey(header.proposer)} is not an active validator`
    }
    if (!verify(BlockProposal, block)) return 'signature does not verify'
    return undefined
  }
}
