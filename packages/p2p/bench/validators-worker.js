// A process hosting validators, in one of three roles: a measured target
// (memory benchmark), honest validators (its peers; the gRPC benchmark's too),
// or attacking validators that flood a target (lib/flood.js).
import { peerIdFromString } from '@libp2p/peer-id'
import { sleep, waitFor } from '@paraloom/test-utils'
import { floodFrames, floodGossip } from './lib/flood.js'
import { serveParent } from './lib/ipc.js'
import { connectedPeerCount, createNodes, stopAll } from './lib/nodes.js'

let nodes = []

/** RSS and heap of this process, in bytes (after a full GC when --expose-gc is on). */
function memory() {
  globalThis.gc?.()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
}

serveParent(
  {
    async init({ own, seeds }) {
      nodes = await createNodes({ own, seeds })
      return nodes.map((n) => n.peerId.toString())
    },
    start: () => Promise.all(nodes.map((n) => n.start())),
    /**
     * Waits until the first node is connected to `count` peers and sees them
     * all up, or `timeoutMs` passed; resolves with its connected peer count.
     */
    async connected({ count, timeoutMs }) {
      const [node] = nodes
      const up = () =>
        connectedPeerCount(node) >= count &&
        node.liveness.registry.snapshot().peers.filter((p) => p.state === 'CONNECTED').length >=
          count
      await waitFor(`${count} connected peers`, up, { timeoutMs, intervalMs: 200 }).catch(() => {})
      return connectedPeerCount(node)
    },
    memory,
    /** The bans the first node made, as `reason` → count. */
    bans() {
      const counts = {}
      for (const ban of nodes[0].recentBans()) counts[ban.reason] = (counts[ban.reason] ?? 0) + 1
      return counts
    },
    /** The highest RSS seen, sampled every `everyMs` for `durationMs` (no GC forced). */
    async peakRss({ durationMs, everyMs }) {
      let peak = 0
      const end = Date.now() + durationMs
      while (Date.now() < end) {
        peak = Math.max(peak, process.memoryUsage().rss)
        await sleep(everyMs)
      }
      return { peak, connected: connectedPeerCount(nodes[0]) }
    },
    /** Every node of this process floods `target` in the given way for `durationMs`. */
    async flood({ target, how, durationMs }) {
      const peer = peerIdFromString(target)
      const runs = nodes.map((n) =>
        how === 'gossip' ? floodGossip(n, durationMs) : floodFrames(n, peer, durationMs),
      )
      return Promise.all(runs)
    },
  },
  { onExit: () => stopAll(nodes) },
)
