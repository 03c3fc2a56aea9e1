/**
 * libp2p's ping service as every Paraloom node runs it: the validators
 * (liveness and kad-dht both ping) and the fetch-only request client (its
 * peer keeps probing the identity it connects with).
 */
import { ping } from '@libp2p/ping'

/** Ping streams allowed at once per connection; kad-dht and liveness both ping. */
const PING_MAX_STREAMS = 8
/**
 * How long libp2p's ping handler serves one inbound stream. Liveness keeps one
 * ping stream per peer open for good (liveness/ping-stream.ts); libp2p's
 * default (10 s) would end it every 10 s and cost a renegotiation.
 */
const PING_STREAM_LIFETIME_MS = 60 * 60 * 1000

export function pingService(): ReturnType<typeof ping> {
  return ping({
    maxOutboundStreams: PING_MAX_STREAMS,
    maxInboundStreams: PING_MAX_STREAMS,
    timeout: PING_STREAM_LIFETIME_MS,
  })
}
