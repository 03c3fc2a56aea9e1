/**
 * One socket write per send. Every noise frame leaves the TCP transport as
 * at least two buffers (its length prefix and its ciphertext), and libp2p's
 * TCP connection writes each with its own `socket.write`: on loopback and on
 * a fast link every one is its own syscall and TCP segment. Under gossip load
 * those writes were a fifth of a validator's CPU (docs/perf/gossip.md).
 * Corking the socket around one send turns its buffers into a single
 * `writev`; the socket is uncorked before the send returns, so nothing is
 * held back and back-pressure is unchanged.
 *
 * Installed on `connection:open`, that is after the handshake and after this
 * node's gater admitted the peer: the handshake and a refused connection
 * are untouched.
 */
import type { Connection } from '@libp2p/interface'

/** The parts of libp2p's TCP connection (`TCPSocketMultiaddrConnection`) this relies on. */
interface TcpConnectionInternals {
  socket?: { cork(): void; uncork(): void }
  sendData?: (data: unknown) => unknown
}

/**
 * Makes each send on the connection's TCP socket one write. Returns false,
 * changing nothing, when the connection is not a TCP one of the shape above
 * (another transport, or a libp2p release that moved these internals).
 */
export function coalesceWrites(conn: Connection): boolean {
  const raw = (conn as unknown as { maConn?: TcpConnectionInternals }).maConn
  const socket = raw?.socket
  const sendData = raw?.sendData
  if (
    raw == null ||
    socket == null ||
    typeof socket.cork !== 'function' ||
    typeof socket.uncork !== 'function' ||
    typeof sendData !== 'function'
  ) {
    return false
  }
  raw.sendData = (data: unknown): unknown => {
    socket.cork()
    try {
      return sendData.call(raw, data)
    } finally {
      socket.uncork()
    }
  }
  return true
}

/** What {@link coalesceWritesOnOpen} needs of libp2p. */
export interface CoalesceWritesComponents {
  addEventListener(type: 'connection:open', listener: (evt: CustomEvent<Connection>) => void): void
  removeEventListener(
    type: 'connection:open',
    listener: (evt: CustomEvent<Connection>) => void,
  ): void
}

/** Coalesces the writes of every connection that opens; returns the function that stops it. */
export function coalesceWritesOnOpen(components: CoalesceWritesComponents): () => void {
  const onOpen = (evt: CustomEvent<Connection>): void => {
    coalesceWrites(evt.detail)
  }
  components.addEventListener('connection:open', onOpen)
  return () => components.removeEventListener('connection:open', onOpen)
}
