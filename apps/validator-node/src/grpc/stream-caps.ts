import { isIP } from 'node:net'
import { status } from '@grpc/grpc-js'

/** Options of {@link createStreamCaps}, one set per streaming RPC. */
export interface StreamCapsInit {
  /** What the streams are called in refusals ("watchers", "subscribers"). */
  noun: string
  /** Streams open at once, every client together. @default 256 */
  maxStreams?: number
  /** Streams one client connection (the call's peer address) may hold at once. @default 16 */
  maxStreamsPerClient?: number
  /**
   * Of `maxStreams`, how many only a reserved client or a connection holding
   * no stream yet may take: one client with many connections cannot fill
   * them all, and the monitor still gets in.
   *
   * @default 16
   */
  reservedStreams?: number
  /** IP addresses of reserved clients (`[grpc] reserved_clients`, e.g. the monitor's). @default [] */
  reservedClients?: readonly string[]
}

/** The per-client part of the caps, as the services take it (each sets its own global cap). */
export type ClientStreamCaps = Pick<
  StreamCapsInit,
  'maxStreamsPerClient' | 'reservedStreams' | 'reservedClients'
>

/** Why a stream was refused: a gRPC status and the reason for the client. */
export interface StreamRefusal {
  code: status
  details: string
}

export interface StreamCaps {
  /**
   * Takes a slot for a stream from `peer` (grpc-js `call.getPeer()`): a
   * release function (idempotent), or the refusal to send.
   */
  acquire(peer: string): (() => void) | StreamRefusal
  /** Streams open now. */
  readonly open: number
}

/** The IP address in a grpc-js peer string (`ipv4:1.2.3.4:5`, `ipv6:[::1]:5`, `1.2.3.4:5`). */
export function hostOfPeer(peer: string): string {
  const address = peer.replace(/^ipv[46]:/, '')
  const m = /^\[(.*)\]:\d+$/.exec(address) ?? /^(.*):\d+$/.exec(address)
  return m?.[1] ?? address
}

/**
 * Stream caps that one client cannot exhaust for the others: a global cap, a
 * cap per client connection, and a reserve of the global cap for reserved
 * clients and for connections that hold no stream yet. Shared by WatchPeers
 * and Subscribe.
 */
export function createStreamCaps(init: StreamCapsInit): StreamCaps {
  const { noun } = init
  const maxStreams = init.maxStreams ?? 256
  const perClient = init.maxStreamsPerClient ?? 16
  const reserved = Math.min(init.reservedStreams ?? 16, maxStreams)
  for (const ip of init.reservedClients ?? []) {
    if (isIP(ip) === 0)
      throw new TypeError(`reserved client ${JSON.stringify(ip)} is not an IP address`)
  }
  const reservedClients = new Set(init.reservedClients ?? [])
  /** Open streams per peer address; an entry exists only while it holds one. */
  const byPeer = new Map<string, number>()
  let open = 0

  const refuse = (details: string): StreamRefusal => ({ code: status.RESOURCE_EXHAUSTED, details })

  return {
    get open() {
      return open
    },
    acquire(peer) {
      const held = byPeer.get(peer) ?? 0
      if (open >= maxStreams) return refuse(`at most ${maxStreams} ${noun}`)
      if (held >= perClient) return refuse(`at most ${perClient} ${noun} per client connection`)
      const mayUseReserve = held === 0 || reservedClients.has(hostOfPeer(peer))
      if (open >= maxStreams - reserved && !mayUseReserve) {
        return refuse(
          `at most ${maxStreams - reserved} ${noun} (the rest are kept for other clients)`,
        )
      }
      byPeer.set(peer, held + 1)
      open++
      let released = false
      return () => {
        if (released) return
        released = true
        open--
        const left = (byPeer.get(peer) ?? 1) - 1
        if (left === 0) byPeer.delete(peer)
        else byPeer.set(peer, left)
      }
    },
  }
}
