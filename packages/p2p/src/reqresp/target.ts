/**
 * Who a request goes to: a PeerId, a PeerId or Solana address string, or a
 * multiaddr ending in `/p2p/<PeerId>`. Resolving one also stores the
 * addresses the dial will need in the peer store, and waits for that, so the
 * dial that follows finds them.
 */
import type { PeerId, PeerStore } from '@libp2p/interface'
import { isMultiaddr, type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import type { SeedPeer } from '@paraloom/interface'
import { parsePeer } from '../admission.js'
import { RequestError } from '../errors.js'

/** A peer to send a request to: its PeerId, its Solana address or PeerId string, or a multiaddr. */
export type PeerTarget = PeerId | Multiaddr | string

export interface TargetComponents {
  peerStore: Pick<PeerStore, 'merge'>
  /**
   * The registry's validators: a target named by PeerId or identity gets the
   * addresses its registry entry lists. Omit when something else (discovery)
   * keeps the peer store filled.
   */
  seeds?: () => readonly SeedPeer[]
}

/** The PeerId to dial for `peer`; throws RequestError `Dial` for a target that names no peer. */
export async function resolvePeerTarget(
  peer: PeerTarget,
  components: TargetComponents,
): Promise<PeerId> {
  if (isMultiaddr(peer)) {
    const id = peer.getComponents().findLast((c) => c.name === 'p2p')?.value
    if (id == null) throw new RequestError('Dial', `${peer.toString()} has no /p2p/<peer id>`)
    const peerId = parseTarget(id)
    await store(components, peerId, [peer])
    return peerId
  }
  const peerId = typeof peer === 'string' ? parseTarget(peer) : peer
  const seed = components.seeds?.().find((s) => s.peerId === peerId.toString())
  if (seed !== undefined && seed.multiaddrs.length > 0) {
    await store(
      components,
      peerId,
      seed.multiaddrs.map((a) => multiaddr(a)),
    )
  }
  return peerId
}

function parseTarget(value: string): PeerId {
  try {
    return parsePeer(value, 'peer')
  } catch (err) {
    throw new RequestError('Dial', (err as Error).message, undefined, { cause: err })
  }
}

async function store(
  components: TargetComponents,
  peerId: PeerId,
  multiaddrs: Multiaddr[],
): Promise<void> {
  try {
    await components.peerStore.merge(peerId, { multiaddrs })
  } catch (err) {
    throw new RequestError(
      'Dial',
      `cannot store the addresses of ${peerId.toString()}: ${(err as Error).message}`,
      undefined,
      { cause: err },
    )
  }
}
