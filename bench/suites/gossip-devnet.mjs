// Gossip through the whole validator, driven by the devnet's traffic
// generator (apps/devnet/src/traffic.ts): 12 `paraloom
// validator start` processes (3 with --quick) and the registry stand-in;
// every height, the generator publishes a block and every validator's
// prevote and precommit through each signer's gRPC Publish. A Subscribe
// stream per validator, opened here, records what each one accepted and
// when (`received_at_ms`, the validator's clock). Votes carry no time, so a
// vote's latency is counted from its height's plan time, the block header's
// `timestamp_ms` (votes are published right after their block).
// (1) Latency at 100 votes/s for 30 s (3 s with --quick), and the CPU one
// delivered vote costs all validator processes (/proc, idle subtracted). (2)
// The highest vote rate sustained with zero loss over 30-s trials (one 2-s
// trial with --quick). Each trial reports how late the generator started its
// heights. --profile: the validators write V8 CPU profiles, summed over the
// latency trial (the rate search is skipped).
// Usage: node bench/suites/gossip-devnet.mjs [--quick] [--profile] [--validators=N]
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTraffic } from '../../apps/devnet/dist/traffic.js'
import { connectValidator, listPeers } from '../../apps/validator-node/dist/grpc/clients.js'
import { BlockProposal, Vote } from '../../packages/codec/dist/index.js'
import { sleep, waitUntil } from '../../packages/p2p/bench/lib/clock.js'
import { validatorKeys } from '../../packages/p2p/bench/lib/keys.js'
import { PeerState, Topic } from '../../packages/proto/dist/index.js'
import { emitProfile, monotonicUs, summarizeProfiles } from '../lib/cpu-profiles.mjs'
import { emitter, goal, log } from '../lib/emit.mjs'
import { cpuMsOf } from '../lib/proc-cpu.mjs'
import { summarize } from '../lib/stats.mjs'
import { validatorProcesses } from '../lib/validator-processes.mjs'

const SUITE = 'gossip'
const LATENCY_RATE_PER_S = 100
const P99_GOAL_MS = 50
const SUSTAINED_GOAL_PER_S = 500
/** Goal: CPU of all validator processes per delivered vote, idle subtracted. */
const CPU_GOAL_US = 250
/** The idle measurement the CPU figure subtracts. */
const IDLE_MS = 5000
const DRAIN_MS = 3000
/** Lets the Subscribe streams reach the validators before the first vote. */
const SUBSCRIBE_SETTLE_MS = 1000
/** A trial whose generator sent fewer heights than this share of its schedule did not sustain the rate. */
const MIN_SCHEDULE_SHARE = 0.98
/** The devnet's liveness timings (validator.toml [liveness]). */
const LIVENESS = { ping_interval_ms: 2000, ping_timeout_ms: 2000 }

const quick = process.argv.includes('--quick')
const profile = process.argv.includes('--profile')
const validatorsArg = Number(
  process.argv.find((a) => a.startsWith('--validators='))?.slice('--validators='.length),
)
const s = {
  ...(quick
    ? { validators: 3, latencyMs: 3000, trialMs: 2000, ladder: [100] }
    : { validators: 12, latencyMs: 30_000, trialMs: 30_000, ladder: [250, 500, 1000, 2000] }),
  // --validators=N: another cluster size (profiling on a small machine)
  ...(validatorsArg > 0 ? { validators: validatorsArg } : {}),
}
const emit = emitter(SUITE)
const name = `${s.validators} validator processes, gRPC Publish (devnet traffic generator)`

/** Per validator: votes accepted by height, and the plan time of each height (from blocks). */
function subscribeAll(clients) {
  const planMs = new Map()
  const votes = clients.map(() => [])
  const streams = clients.map((c, i) => {
    const stream = c.gossip.subscribe({ topics: [] })
    stream.on('data', (m) => {
      const at = Number(m.receivedAtMs)
      if (m.topic === Topic.TOPIC_BLOCKS) {
        const { header } = BlockProposal.decode(m.payload)
        planMs.set(header.height, Number(header.timestampMs))
      } else if (m.topic === Topic.TOPIC_VOTES) {
        votes[i].push({ height: Vote.decode(m.payload).height, at })
      }
    })
    stream.on('error', () => {})
    return stream
  })
  const close = () => {
    for (const st of streams) st.cancel()
  }
  return { planMs, votes, close }
}

let nextHeight = 1n

/** Runs the generator at `votesPerS` for `durationMs`; loss, schedule and latency of its votes. */
async function trial(keys, clients, seen, votesPerS, durationMs) {
  const blocksPerSecond = votesPerS / (2 * keys.length)
  const first = nextHeight
  const cpuBefore = cpuMsOf(cli.validatorPids())
  const traffic = startTraffic({
    network: 'localnet',
    validators: keys.map((k, i) => ({
      name: `v${i}`,
      keypair: { secretKey: k.seed, publicKey: k.publicKey },
      gossip: clients[i].gossip,
    })),
    blocksPerSecond,
    startHeight: first,
  })
  await sleep(durationMs)
  await traffic.stop()
  const last = traffic.height()
  nextHeight = last + 1n
  await sleep(DRAIN_MS)
  const cpuMs = cpuMsOf(cli.validatorPids()) - cpuBefore
  const lag = traffic.lag()
  const stats = traffic.stats()
  const published = stats.map((v) => v.published.votes)
  const errors = stats.reduce((n, v) => n + v.publishErrors.votes + v.publishErrors.blocks, 0)
  const inTrial = (h) => h >= first && h <= last
  let lost = 0
  let delivered = 0
  const latencies = []
  seen.votes.forEach((list, i) => {
    const mine = list.filter((v) => inTrial(v.height))
    const expected = published.reduce((n, p, j) => (j === i ? n : n + p), 0)
    lost += Math.max(0, expected - mine.length)
    delivered += mine.length
    for (const v of mine) {
      const plan = seen.planMs.get(v.height)
      if (plan !== undefined) latencies.push(v.at - plan)
    }
  })
  const heights = Number(last - first + 1n)
  const planned = (durationMs / 1000) * blocksPerSecond
  return {
    votesPerS,
    lost,
    delivered,
    cpuMs,
    elapsedMs: durationMs + DRAIN_MS,
    lag,
    errors,
    // one height of slack: the last one may still be in flight when the trial stops
    kept: heights >= Math.floor(planned * MIN_SCHEDULE_SHARE) - 1,
    heights,
    planned: Math.floor(planned),
    latency: summarize(latencies),
  }
}

const sustained = (t) => t.lost === 0 && t.errors === 0 && t.kept

function describe(t) {
  const why = []
  if (t.lost > 0) why.push(`${t.lost} deliveries lost`)
  if (t.errors > 0) why.push(`${t.errors} publishes failed`)
  if (!t.kept) why.push(`${t.heights} of ${t.planned} heights sent`)
  const lat = `p50 ${t.latency.p50.toFixed(0)} ms, p99 ${t.latency.p99.toFixed(0)} ms`
  const lag = `generator lag max ${t.lag.maxMs.toFixed(0)} ms, mean ${t.lag.meanMs.toFixed(1)} ms`
  return `${t.votesPerS}/s: ${why.length === 0 ? 'zero loss' : why.join(', ')}; ${lat}; ${lag}`
}

const dir = await mkdtemp(join(tmpdir(), 'paraloom-bench-gossip-'))
const keys = validatorKeys(s.validators, 'gossip-devnet')
const profileDir = profile ? join(dir, 'profiles') : undefined
const cli = validatorProcesses({ dir, keys, profileDir })
const window = {}
let clients = []
let seen
try {
  await cli.startRegistry()
  log(SUITE, `starting ${s.validators} validator processes`)
  const addresses = await Promise.all(keys.map((_, i) => cli.startValidator(i, LIVENESS)))
  clients = addresses.map((a) => connectValidator(a))
  const allConnected = async () => {
    const lists = await Promise.all(clients.map((c) => listPeers(c.peerMonitor)))
    return lists.every(
      (l) =>
        l.peers.filter((p) => p.state === PeerState.PEER_STATE_CONNECTED).length >=
        s.validators - 1,
    )
  }
  await waitUntil('every validator CONNECTED to every other', allConnected, {
    timeoutMs: 180_000,
    everyMs: 1000,
  })
  seen = subscribeAll(clients)
  await sleep(SUBSCRIBE_SETTLE_MS)
  const idleBefore = cpuMsOf(cli.validatorPids())
  await sleep(IDLE_MS)
  const idleCores = (cpuMsOf(cli.validatorPids()) - idleBefore) / IDLE_MS
  log(
    SUITE,
    `${idleCores.toFixed(2)} cores busy idle; ${LATENCY_RATE_PER_S} votes/s through the generator for ${s.latencyMs / 1000} s`,
  )
  window.fromUs = monotonicUs()
  const steady = await trial(keys, clients, seen, LATENCY_RATE_PER_S, s.latencyMs)
  window.toUs = monotonicUs()
  log(SUITE, describe(steady))
  const at = `${name}, ${LATENCY_RATE_PER_S} votes/s`
  const detail = `${steady.latency.count} vote deliveries, ${steady.lost} lost; from the height's plan time`
  emit({ name: at, metric: 'latency p50', value: steady.latency.p50, unit: 'ms', detail })
  emit({
    name: at,
    metric: 'latency p99',
    value: steady.latency.p99,
    unit: 'ms',
    detail,
    ...goal(steady.latency.p99, '<=', P99_GOAL_MS, 'ms'),
  })
  emit({ name: at, metric: 'latency max', value: steady.latency.max, unit: 'ms', detail })
  const busyCores = steady.cpuMs / steady.elapsedMs
  const cpuUs = ((steady.cpuMs - idleCores * steady.elapsedMs) / steady.delivered) * 1000
  emit({
    name: at,
    metric: 'CPU per delivered vote, all validator processes',
    value: cpuUs,
    unit: 'µs',
    detail: `above idle: ${busyCores.toFixed(2)} cores busy over the trial and its drain, ${idleCores.toFixed(2)} idle; ${steady.delivered} vote deliveries (blocks and results ride along)`,
    ...goal(Number(cpuUs.toFixed(1)), '<=', CPU_GOAL_US, 'µs'),
  })
  emit({
    name: at,
    metric: 'generator schedule lag max',
    value: steady.lag.maxMs,
    unit: 'ms',
    detail: `${steady.lag.heights} heights, mean lag ${steady.lag.meanMs.toFixed(1)} ms, ${steady.lag.late} more than an interval late`,
  })

  // A profile covers the latency trial alone: no rate search then.
  if (!profile) {
    const trials = []
    let best = 0
    for (const rate of s.ladder) {
      const t = await trial(keys, clients, seen, rate, s.trialMs)
      trials.push(t)
      log(SUITE, `trial ${describe(t)}`)
      if (!sustained(t)) break
      best = rate
    }
    emit({
      name: `${name}, ${s.trialMs / 1000}-s trials`,
      metric: 'highest sustained vote rate with zero loss',
      value: best,
      unit: 'votes/s',
      detail: `trials: ${trials.map(describe).join(' | ')}`,
      ...goal(best, '>=', SUSTAINED_GOAL_PER_S, 'votes/s'),
    })
  }
} finally {
  seen?.close()
  for (const c of clients) c.close()
  await cli.stop()
  if (profileDir !== undefined && window.fromUs !== undefined) {
    const name = `${s.validators} validator processes, gRPC Publish, ${LATENCY_RATE_PER_S} votes/s`
    emitProfile(emit, name, await summarizeProfiles(profileDir, window))
  }
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
