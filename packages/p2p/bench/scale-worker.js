// Scale benchmark: several validators in one process at the default
// settings, created ahead and started on the parent's word. Reports when
// every node's routing table and connections were complete, then, over an
// idle window, the process's CPU time and RSS and each node's connections
// and liveness probes; then the publish-to-delivery latency of signed votes
// at the rate the parent asks for (the publisher writes its publish time in
// µs into the vote's `height`).
import { sleep, waitFor } from '@paraloom/test-utils'
import { nowMs } from './lib/clock.js'
import { serveParent } from './lib/ipc.js'
import { createNodes, stopAll } from './lib/nodes.js'
import { timedVote, voteAgeMs } from './lib/votes.js'
import { watchUntilComplete } from './lib/watch.js'

const MAX_LATENCIES = 1_000_000

let nodes = []
let seeds = []
/** Liveness probe outcomes (replies and misses) per node index. */
let probes = []
const latencies = []

/** Counts every probe outcome of node `i`: each reply is one RTT observation, each miss one transition-free miss. */
function probeMetrics(i) {
  return {
    pingRttMs: {
      observe: () => {
        probes[i]++
      },
    },
  }
}

async function init({ own, seedList }) {
  probes = own.map(() => 0)
  seeds = own.map((o) => o.seed)
  nodes = []
  for (const [i, o] of own.entries()) {
    const [node] = await createNodes({
      own: [o],
      seeds: seedList,
      options: { metrics: probeMetrics(i) },
    })
    nodes.push(node)
  }
  for (const node of nodes) {
    node.gossip.subscribe('votes', ({ value }) => {
      if (latencies.length < MAX_LATENCIES) latencies.push(voteAgeMs(value))
    })
  }
}

/** Starts every node; when each first had a full routing table and every peer connected. */
async function startAndWatch({ others, timeoutMs }) {
  await Promise.all(nodes.map((n) => n.start()))
  return watchUntilComplete(nodes, { others, timeoutMs })
}

/** Waits until every node's liveness sees every peer CONNECTED or SLOW; the fewest any node sees at the end. */
async function settled({ others, timeoutMs }) {
  const up = (n) =>
    n.liveness.registry
      .snapshot()
      .peers.filter((p) => p.state === 'CONNECTED' || p.state === 'SLOW').length
  const fewest = () => Math.min(...nodes.map(up))
  await waitFor('every peer up', () => fewest() >= others, { timeoutMs, intervalMs: 200 }).catch(
    () => {},
  )
  return fewest()
}

/** CPU time and RSS of this process, and per node its connections and probes, over `windowMs` of idling. */
async function idle({ windowMs }) {
  global.gc?.()
  const probesBefore = [...probes]
  const cpuBefore = process.cpuUsage()
  const startedAt = nowMs()
  let rssPeak = 0
  while (nowMs() - startedAt < windowMs) {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss())
    await sleep(250)
  }
  const cpu = process.cpuUsage(cpuBefore)
  const elapsedMs = nowMs() - startedAt
  return {
    nodes: nodes.length,
    cpuUs: cpu.user + cpu.system,
    elapsedMs,
    rssBytes: rssPeak,
    connections: nodes.map((n) => n.libp2p.getConnections().length),
    probes: probes.map((p, i) => p - probesBefore[i]),
  }
}

/** Waits until every node has `subscribers` votes subscribers; the fewest any node has at the end. */
async function gossipReady({ subscribers, timeoutMs }) {
  const fewest = () => Math.min(...nodes.map((n) => n.gossip.subscribers('votes').length))
  await waitFor('votes subscribers', () => fewest() >= subscribers, {
    timeoutMs,
    intervalMs: 200,
  }).catch(() => {})
  return fewest()
}

/** Publishes `ratePerS` votes a second for `durationMs` from this process's nodes in turn. */
async function publish({ ratePerS, durationMs }) {
  latencies.length = 0
  const startedAt = nowMs()
  let sent = 0
  let failed = 0
  while (nowMs() - startedAt < durationMs) {
    const due = Math.floor(((nowMs() - startedAt) * ratePerS) / 1000)
    while (sent + failed < due) {
      const i = (sent + failed) % nodes.length
      nodes[i].gossip
        .publish(
          'votes',
          timedVote({
            voter: nodes[i].peerId.publicKey.raw,
            seed: seeds[i],
            round: 0,
            seq: sent + failed,
          }),
        )
        .then(
          () => {},
          () => {
            failed++
            sent--
          },
        )
      sent++
    }
    await sleep(5)
  }
  return { sent, failed }
}

/** The latencies received since the last `publish` began. */
const received = () => Float64Array.from(latencies)

serveParent(
  { init, startAndWatch, settled, idle, gossipReady, publish, received },
  { onExit: () => stopAll(nodes) },
)
