// Discovery benchmark: several validators in one process, created ahead
// and started on the parent's word. Reports, per node, when its Kademlia
// routing table first held every other validator and when it first had an
// open connection to every one of them.
import { nowMs, sleep } from './lib/clock.js'
import { serveParent } from './lib/ipc.js'
import { connectedPeerCount, createNodes, stopAll } from './lib/nodes.js'

const POLL_MS = 5

let nodes = []

async function startAndWatch({ others, timeoutMs }) {
  const startedAt = nowMs()
  const marks = nodes.map(() => ({ routingFullAt: null, connectedAllAt: null }))
  await Promise.all(nodes.map((n) => n.start()))
  const deadline = startedAt + timeoutMs
  while (nowMs() < deadline) {
    const now = nowMs()
    nodes.forEach((node, i) => {
      const m = marks[i]
      if (m.routingFullAt === null && node.routingTableSize() >= others) m.routingFullAt = now
      if (m.connectedAllAt === null && connectedPeerCount(node) >= others) m.connectedAllAt = now
    })
    if (marks.every((m) => m.routingFullAt !== null && m.connectedAllAt !== null)) break
    await sleep(POLL_MS)
  }
  const final = nodes.map((n) => ({
    routing: n.routingTableSize(),
    connected: connectedPeerCount(n),
  }))
  return { startedAt, marks, final }
}

const handlers = {
  async init({ own, seeds }) {
    nodes = await createNodes({ own, seeds })
  },
  startAndWatch,
}

serveParent(handlers, { onExit: () => stopAll(nodes) })
