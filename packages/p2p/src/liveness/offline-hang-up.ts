/**
 * Hanging up on a peer that turned OFFLINE. A connection across a network
 * partition is black-holed, not closed: it would stay open, pinged forever and
 * never redialled. Closing it hands the peer to the probes' redials and the
 * discovery rounds, so a healed partition reconnects within one refresh.
 *
 * A connection that carries a request/response exchange is closed only once
 * the exchange ends: a busy machine can miss pings of a peer that is answering
 * (its own exchange proves it), and a hang-up would fail the exchange half-way.
 * The exchange's deadline bounds the wait, so a black-holed connection still
 * goes, at most one request deadline later.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerRegistry } from './peer-registry.js'
import { PeerState } from './peer-state.js'

export interface OfflineHangUpComponents {
  connections(peer: PeerId): Connection[]
  /** Is the peer still OFFLINE? A peer that answered meanwhile keeps its connection. */
  isOffline(peer: PeerId): boolean
  /** A close that failed; the connection has been aborted instead. */
  onCloseFailed(peer: PeerId, err: Error): void
}

export interface OfflineHangUpInit {
  /** Protocols whose open streams hold the hang-up back (the request/response ones). */
  exchangeProtocols: ReadonlySet<string>
  /** The longest an exchange may hold it back: a request deadline plus its grace. */
  maxWaitMs: number
  /** How long a graceful close may take before the connection is aborted. */
  closeTimeoutMs: number
}

export interface OfflineWatchComponents extends Omit<OfflineHangUpComponents, 'isOffline'> {
  /** The registry whose OFFLINE transitions trigger the hang-up. */
  registry: Pick<PeerRegistry, 'onTransition' | 'get'>
}

/**
 * Hangs up on every peer the registry declares OFFLINE ({@link hangUpOffline}).
 * Returns the function that stops watching.
 */
export function hangUpOnOffline(
  components: OfflineWatchComponents,
  init: OfflineHangUpInit,
): () => void {
  const { registry } = components
  return registry.onTransition((t) => {
    if (t.to !== PeerState.OFFLINE) return
    void hangUpOffline(
      peerIdFromString(t.peer),
      {
        connections: (peer) => components.connections(peer),
        isOffline: (peer) => registry.get(peer.toString())?.state === PeerState.OFFLINE,
        onCloseFailed: (peer, err) => components.onCloseFailed(peer, err),
      },
      init,
    )
  })
}

/** Closes every connection to `peer`, each once no exchange is running on it. */
export async function hangUpOffline(
  peer: PeerId,
  components: OfflineHangUpComponents,
  init: OfflineHangUpInit,
): Promise<void> {
  await Promise.all(
    components.connections(peer).map(async (conn) => {
      const exchanges = conn.streams.filter(
        (s) => s.protocol != null && init.exchangeProtocols.has(s.protocol) && isLive(s),
      )
      if (exchanges.length > 0) {
        await allEnded(exchanges, init.maxWaitMs)
        if (!components.isOffline(peer)) return
      }
      await conn.close({ signal: AbortSignal.timeout(init.closeTimeoutMs) }).catch((err: Error) => {
        conn.abort(err)
        components.onCloseFailed(peer, err)
      })
    }),
  )
}

const isLive = (s: Stream): boolean => s.status === 'open' || s.status === 'closing'

/** Resolves when every stream has closed, or after `maxWaitMs`, whichever comes first. */
function allEnded(streams: Stream[], maxWaitMs: number): Promise<void> {
  return new Promise((resolve) => {
    let open = streams.length
    const timer = setTimeout(done, maxWaitMs)
    const onClose = (): void => {
      if (--open === 0) done()
    }
    function done(): void {
      clearTimeout(timer)
      for (const s of streams) s.removeEventListener('close', onClose)
      resolve()
    }
    for (const s of streams) {
      if (isLive(s)) s.addEventListener('close', onClose)
      else onClose()
    }
  })
}
