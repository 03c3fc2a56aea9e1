// When each of a process's nodes first held every other validator in its
// routing table and first had an open connection to every one of them.
import { sleep } from '@paraloom/test-utils'
import { nowMs } from './clock.js'
import { connectedPeerCount } from './nodes.js'

const POLL_MS = 5

/** Polls the nodes until all are complete or `timeoutMs` passed; one `{ routingFullAt, connectedAllAt }` per node (null: never). */
export async function watchUntilComplete(nodes, { others, timeoutMs }) {
  const marks = nodes.map(() => ({ routingFullAt: null, connectedAllAt: null }))
  const deadline = nowMs() + timeoutMs
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
  return marks
}
