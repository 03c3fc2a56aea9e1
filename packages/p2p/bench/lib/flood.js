// What the memory benchmark's attackers send a target validator. They are
// registered validators (so the target admits them) that misbehave:
// - gossip: gossipsub messages whose payloads are garbage, or over
//   the topic's cap (rejected by the topic validator, so they cost score);
// - frames: request/response and raw gossipsub streams carrying garbage,
//   lengths over the caps, malformed varints, or nothing at all.
import { randomBytes } from 'node:crypto'
import { sleep } from '@paraloom/test-utils'
import { gossipTopic, stateSyncProtocol, withdrawalProofProtocol } from '../../dist/index.js'
// The node's own frame encoder (internal to the package, so imported from its module).
import { encodeFrame as frame, encodeVarint as varint } from '../../dist/reqresp/frame.js'
import { NETWORK } from './nodes.js'

const KiB = 1024
const MiB = 1024 * KiB
/** Gossipsub's own stream protocols (libp2p 3 gossipsub speaks these). */
const GOSSIPSUB_PROTOCOLS = ['/meshsub/1.2.0', '/meshsub/1.1.0']
/** Streams one attacker keeps open at once. */
const MAX_IN_FLIGHT = 16
/** Bound on one stream (dial + write + close). */
const STREAM_TIMEOUT_MS = 5000

/** The malicious stream payloads, each a list of chunks written in order. */
const STREAM_PAYLOADS = [
  { what: 'length prefix over the cap, then nothing', chunks: () => [varint(2 ** 40)] },
  {
    what: 'malformed varint (11 continuation bytes)',
    chunks: () => [new Uint8Array(11).fill(0xff)],
  },
  { what: 'garbage body', chunks: () => [frame(randomBytes(200))] },
  { what: 'body over the 64 KiB request cap', chunks: () => [frame(randomBytes(70 * KiB))] },
  { what: 'half a frame, then silence', chunks: () => [varint(1000), randomBytes(10)] },
  {
    what: 'a 100 MiB frame declared, then 1 MiB pushed',
    chunks: () => [varint(100 * MiB), randomBytes(1 * MiB)],
  },
]

const GOSSIP_PAYLOADS = [
  { kind: 'votes', bytes: () => randomBytes(149) },
  { kind: 'votes', bytes: () => randomBytes(8 * KiB) },
  { kind: 'blocks', bytes: () => randomBytes(2 * MiB) },
  { kind: 'results', bytes: () => randomBytes(300 * KiB) },
]

async function sendOnStream(node, target, protocol, chunks) {
  const signal = AbortSignal.timeout(STREAM_TIMEOUT_MS)
  const stream = await node.libp2p.dialProtocol(target, protocol, { signal })
  try {
    for (const chunk of chunks) {
      if (!stream.send(chunk)) await stream.onDrain({ signal })
    }
    await stream.close({ signal })
  } catch {
    stream.abort(new Error('flood stream done'))
  }
}

/** Streams of garbage at `target` for `durationMs`, at most MAX_IN_FLIGHT at once. */
export async function floodFrames(node, target, durationMs) {
  const protocols = [
    stateSyncProtocol(NETWORK),
    withdrawalProofProtocol(NETWORK),
    ...GOSSIPSUB_PROTOCOLS,
  ]
  const end = Date.now() + durationMs
  const inFlight = new Set()
  let opened = 0
  let refused = 0
  let bytes = 0
  for (let i = 0; Date.now() < end; i++) {
    if (inFlight.size >= MAX_IN_FLIGHT) {
      await Promise.race(inFlight)
      continue
    }
    const payload = STREAM_PAYLOADS[i % STREAM_PAYLOADS.length]
    const chunks = payload.chunks()
    bytes += chunks.reduce((n, c) => n + c.length, 0)
    const p = sendOnStream(node, target, protocols[i % protocols.length], chunks)
      .then(() => opened++)
      .catch(() => refused++)
      .finally(() => inFlight.delete(p))
    inFlight.add(p)
    if (i % MAX_IN_FLIGHT === 0) await sleep(1)
  }
  await Promise.allSettled([...inFlight])
  return { streams: opened, refused, bytes }
}

/** Invalid gossip published as fast as gossipsub takes it, for `durationMs`. */
export async function floodGossip(node, durationMs) {
  const pubsub = node.libp2p.services.pubsub
  const end = Date.now() + durationMs
  let published = 0
  let failed = 0
  let bytes = 0
  for (let i = 0; Date.now() < end; i++) {
    const payload = GOSSIP_PAYLOADS[i % GOSSIP_PAYLOADS.length]
    const data = payload.bytes()
    try {
      await pubsub.publish(gossipTopic(NETWORK, payload.kind), data)
      published++
      bytes += data.length
    } catch {
      failed++
      await sleep(20) // graylisted or banned: nobody takes it; keep trying at a gentler pace
    }
    if (i % 8 === 0) await sleep(1)
  }
  return { published, failed, bytes }
}
