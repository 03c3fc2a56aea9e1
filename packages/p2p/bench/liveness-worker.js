// Failure-detection benchmark: one validator per process, twice over: a
// Paraloom node (its own liveness: ping interval, timeout, N misses) and a
// plain libp2p node watched by libp2p's connection monitor at its defaults.
// Pushes to the parent every OFFLINE transition (Paraloom) and every
// disconnect (plain node), with the time it happened; keeps counts of all
// transitions for the jitter soak.
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { waitFor } from '@paraloom/test-utils'
import { nowMs } from './lib/clock.js'
import { serveParent } from './lib/ipc.js'
import { createNodes, stopAll } from './lib/nodes.js'
import { createPlainNode } from './lib/plain-node.js'

let paraloom
let plain
const counts = { transitions: {}, disconnects: 0 }
const rttSamplesMs = []
const MAX_RTT_SAMPLES = 100_000
const RTT_SAMPLE_EVERY_MS = 2000
let rttTimer

/** Keeps the last ping RTT of every peer, every few seconds: the jitter as the nodes saw it. */
function sampleRtts() {
  for (const p of paraloom.liveness.registry.snapshot().peers) {
    if (p.rttMs !== null && rttSamplesMs.length < MAX_RTT_SAMPLES) rttSamplesMs.push(p.rttMs)
  }
}

const push = serveParent(
  {
    async init({ own, seeds, plainNode, liveness }) {
      ;[paraloom] = await createNodes({
        own: [own],
        seeds,
        options: { liveness, announce: own.announce },
      })
      plain = await createPlainNode(plainNode)
      paraloom.liveness.registry.onTransition((t) => {
        counts.transitions[t.to] = (counts.transitions[t.to] ?? 0) + 1
        if (t.to === 'OFFLINE') push('offline', { peer: t.peer, at: t.at, reason: t.reason })
      })
      plain.addEventListener('peer:disconnect', (evt) => {
        counts.disconnects++
        push('disconnect', { peer: evt.detail.toString(), at: nowMs() })
      })
      return { peerId: paraloom.peerId.toString(), plainPeerId: plain.peerId.toString() }
    },
    async start() {
      await paraloom.start()
      await plain.start()
      rttTimer = setInterval(sampleRtts, RTT_SAMPLE_EVERY_MS)
    },
    /** Dials every other plain node (at the given multiaddrs, ending in /p2p/<id>). */
    async connectPlain({ addrs }) {
      await Promise.all(addrs.map((a) => plain.dial(multiaddr(a))))
    },
    /** Resolves once every other validator is CONNECTED (or SLOW) and every plain peer connected. */
    async settled({ peers, plainPeers, timeoutMs }) {
      await waitFor(
        'all peers up',
        () => {
          const up = paraloom.liveness.registry
            .snapshot()
            .peers.filter((p) => p.state === 'CONNECTED' || p.state === 'SLOW').length
          const plainUp = plainPeers.filter(
            (id) => plain.getConnections(peerIdFromString(id)).length > 0,
          ).length
          return up >= peers && plainUp >= plainPeers.length
        },
        { timeoutMs, intervalMs: 50 },
      )
    },
    /** Transition counts, plain-node disconnects and RTTs seen since start. */
    counts: () => ({ ...counts, rttSamplesMs }),
  },
  {
    onExit: () => {
      clearInterval(rttTimer)
      return Promise.allSettled([stopAll(paraloom ? [paraloom] : []), plain?.stop()])
    },
  },
)
