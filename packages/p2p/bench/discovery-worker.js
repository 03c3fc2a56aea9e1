// Discovery benchmark: several validators in one process, created ahead
// and started on the parent's word. Reports, per node, when its Kademlia
// routing table first held every other validator and when it first had an
// open connection to every one of them.
import { nowMs } from './lib/clock.js'
import { serveParent } from './lib/ipc.js'
import { connectedPeerCount, createNodes, stopAll } from './lib/nodes.js'
import { watchUntilComplete } from './lib/watch.js'

let nodes = []

async function startAndWatch({ others, timeoutMs }) {
  const startedAt = nowMs()
  await Promise.all(nodes.map((n) => n.start()))
  const marks = await watchUntilComplete(nodes, { others, timeoutMs })
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
