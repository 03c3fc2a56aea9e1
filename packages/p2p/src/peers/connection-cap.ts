/**
 * A cap on the connections one peer may open to this node at once. Every
 * stream cap in this package is per connection, so a peer that opens
 * connection after connection multiplies its allowance (and the memory its
 * streams may hold); with the cap its streams stay bounded per peer.
 *
 * Only inbound connections count: this node's own dials reuse an open
 * connection, and aborting one of them could fail a request it carries. Over
 * the cap the NEW connection is aborted, before it carries anything.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import { type Logger, ParaloomError } from '@paraloom/interface'
import type { CounterHook, NoLabels } from '../metrics.js'

/**
 * Connections one peer may open to this node: an honest peer reconnecting
 * while its old connection is still dying (a reset not yet reported) has two.
 */
export const DEFAULT_MAX_CONNECTIONS_PER_PEER = 2

/** What the cap needs of libp2p. */
export interface ConnectionCapComponents {
  getConnections(peer: PeerId): Connection[]
  addEventListener(type: 'connection:open', listener: (evt: CustomEvent<Connection>) => void): void
  removeEventListener(
    type: 'connection:open',
    listener: (evt: CustomEvent<Connection>) => void,
  ): void
  log: Logger
}

export interface ConnectionCapInit {
  /** A positive integer (the node checks it). @default DEFAULT_MAX_CONNECTIONS_PER_PEER */
  maxPerPeer?: number
  /** Connections aborted for being over the cap. */
  excessConnections?: CounterHook<NoLabels>
}

/** The error an aborted excess connection carries. */
export class ExcessConnectionError extends ParaloomError<{
  code: 'TooManyConnections'
  maxPerPeer: number
}> {
  static override readonly name = 'ExcessConnectionError'
}

/** Applies the cap to every new connection; returns the function that removes it. */
export function capConnectionsPerPeer(
  components: ConnectionCapComponents,
  init: ConnectionCapInit = {},
): () => void {
  const maxPerPeer = init.maxPerPeer ?? DEFAULT_MAX_CONNECTIONS_PER_PEER
  const onOpen = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    if (conn.direction !== 'inbound') return
    const inbound = components
      .getConnections(conn.remotePeer)
      .filter((c) => c.direction === 'inbound' && c.status === 'open').length
    if (inbound <= maxPerPeer) return
    components.log.debug('aborting an excess connection', {
      peer: conn.remotePeer.toString(),
      inbound,
      maxPerPeer,
    })
    init.excessConnections?.inc({})
    conn.abort(
      new ExcessConnectionError(
        { code: 'TooManyConnections', maxPerPeer },
        `over ${maxPerPeer} inbound connections per peer (${inbound})`,
      ),
    )
  }
  components.addEventListener('connection:open', onOpen)
  return () => components.removeEventListener('connection:open', onOpen)
}
