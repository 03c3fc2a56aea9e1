// One gossip benchmark validator in its own process. It publishes signed
// votes at the rate the parent asks for and records, for every vote it
// receives, the publish-to-delivery latency: the publisher writes its
// publish time (µs since the epoch) into the vote's `height` and the trial
// number into `round`, so nothing but the vote itself crosses between nodes.
// Blocks (when asked, beside the votes) carry the same in their header.
import { BlockProposal, sign } from '@paraloom/codec'
import { sleep, waitFor } from '@paraloom/test-utils'
import { nowMs } from './lib/clock.js'
import { serveParent } from './lib/ipc.js'
import { createNodes, stopAll } from './lib/nodes.js'
import { timedVote, voteAgeMs } from './lib/votes.js'

/** Latency samples kept per trial, at most (a trial at 4,000/s × 11 peers × 30 s fits). */
const MAX_SAMPLES = 2_000_000
const TICK_MS = 5
/** After its schedule ends, how long a trial waits for publishes still in flight. */
const SETTLE_PUBLISHES_MS = 10_000
const MAX_BLOCK_SAMPLES = 100_000
/** Bytes of a one-transaction BlockProposal besides the transaction's own. */
const BLOCK_OVERHEAD_BYTES = 232

let node
let seed
/** Per trial: deliveries per publisher (base58 identity) and latency samples. */
const trials = new Map()

function trial(id) {
  let t = trials.get(id)
  if (t === undefined) {
    t = {
      received: new Map(),
      latencies: new Float64Array(1024),
      count: 0,
      blockLatencies: [],
      cpu: process.cpuUsage(),
    }
    trials.set(id, t)
  }
  return t
}

function record(vote, from) {
  const latencyMs = voteAgeMs(vote)
  const t = trial(vote.round)
  const publisher = from.toString()
  t.received.set(publisher, (t.received.get(publisher) ?? 0) + 1)
  if (t.count === t.latencies.length && t.count < MAX_SAMPLES) {
    const grown = new Float64Array(Math.min(t.count * 2, MAX_SAMPLES))
    grown.set(t.latencies)
    t.latencies = grown
  }
  if (t.count < t.latencies.length) t.latencies[t.count++] = latencyMs
}

function recordBlock(block) {
  const t = trial(block.header.round)
  // Few blocks per trial (one a second in all): a plain bounded array.
  if (t.blockLatencies.length < MAX_BLOCK_SAMPLES)
    t.blockLatencies.push(nowMs() - Number(block.header.height) / 1000)
}

/** A block of about `bytes` bytes (one transaction) carrying its publish time. */
function block(trialId, bytes) {
  const now = nowMs()
  return sign(
    BlockProposal,
    {
      header: {
        network: 'Localnet',
        height: BigInt(Math.round(now * 1000)),
        round: trialId,
        parentHash: new Uint8Array(32),
        stateRoot: new Uint8Array(32),
        txRoot: new Uint8Array(32),
        proposer: node.peerId.publicKey.raw,
        timestampMs: BigInt(Math.round(now)),
      },
      transactions: [new Uint8Array(bytes - BLOCK_OVERHEAD_BYTES).fill(trialId & 0xff)],
      signature: new Uint8Array(64),
    },
    seed,
  )
}

function vote(trialId, seq) {
  return timedVote({ voter: node.peerId.publicKey.raw, seed, round: trialId, seq })
}

/**
 * Publishes `ratePerS` votes a second for `durationMs`, on schedule (catching
 * up after a lag); with `blocks`, also a block of `blocks.bytes` every
 * `blocks.everyMs` from `blocks.offsetMs` on.
 */
async function publish({ trial: trialId, ratePerS, durationMs, blocks }) {
  const start = nowMs()
  let sent = 0
  let failed = 0
  let seq = 0
  let due = 0
  let maxBehind = 0
  const errors = new Set()
  const inFlight = new Set()
  let nextBlockMs = blocks?.offsetMs ?? Number.POSITIVE_INFINITY
  let blocksSent = 0
  let blocksFailed = 0
  while (nowMs() - start < durationMs) {
    if (blocks !== undefined && nowMs() - start >= nextBlockMs) {
      nextBlockMs += blocks.everyMs
      const p = node.gossip
        .publish('blocks', block(trialId, blocks.bytes))
        .then(() => blocksSent++)
        .catch((err) => {
          blocksFailed++
          if (errors.size < 5) errors.add(`block: ${err.message}`)
        })
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    due = Math.floor(((nowMs() - start) * ratePerS) / 1000)
    maxBehind = Math.max(maxBehind, due - sent - failed)
    while (sent + failed < due) {
      const p = node.gossip
        .publish('votes', vote(trialId, seq++))
        .catch((err) => {
          failed++
          sent--
          if (errors.size < 5) errors.add(err.message)
        })
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
      sent++
    }
    await sleep(TICK_MS)
  }
  // Publishes still unresolved after the settle time count as failed.
  const settled = Promise.allSettled([...inFlight])
  await Promise.race([settled, sleep(SETTLE_PUBLISHES_MS)])
  const stuck = inFlight.size
  if (stuck > 0)
    errors.add(`${stuck} publishes unresolved ${SETTLE_PUBLISHES_MS} ms after the trial`)
  return {
    sent: sent - stuck,
    failed: failed + stuck,
    planned: due,
    maxBehind,
    blocksSent,
    blocksFailed,
    errors: [...errors],
  }
}

const handlers = {
  async init({ own, seeds }) {
    ;[node] = await createNodes({ own: [own], seeds })
    seed = own.seed
    node.gossip.subscribe('votes', ({ value, from }) => record(value, from))
    node.gossip.subscribe('blocks', ({ value }) => recordBlock(value))
    return { peerId: node.peerId.toString() }
  },
  start: () => node.start(),
  /** Resolves once every other validator subscribes and the votes mesh has `meshPeers` peers. */
  async ready({ subscribers, meshPeers, timeoutMs }) {
    await waitFor(
      'gossip subscribers and mesh',
      () =>
        node.gossip.subscribers('votes').length >= subscribers &&
        node.gossip.meshPeers('votes').length >= meshPeers,
      { timeoutMs, intervalMs: 50 },
    )
  },
  publish,
  /** Opens a trial: its CPU time counts from here. */
  begin({ trial: trialId }) {
    trial(trialId)
  },
  /** What this node received in a trial and the CPU time it used (µs); forgets the trial. */
  results({ trial: trialId }) {
    const t = trial(trialId)
    trials.delete(trialId)
    const cpu = process.cpuUsage(t.cpu)
    return {
      received: Object.fromEntries(t.received),
      latencies: t.latencies.subarray(0, t.count),
      blockLatencies: t.blockLatencies,
      cpuUs: cpu.user + cpu.system,
    }
  },
}

serveParent(handlers, { onExit: () => stopAll(node === undefined ? [] : [node]) })
